//! The languages written inside ASL strings: Step Functions' JSONPath dialect ([`jsonpath`]),
//! intrinsic functions ([`intrinsic`]) and JSONata expressions ([`jsonata`]). Parsers only:
//! they give byte offsets into the string, which analyzers turn into places in the file.

pub mod intrinsic;
pub mod jsonata;
pub mod jsonpath;
