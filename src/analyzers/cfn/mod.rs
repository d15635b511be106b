//! CloudFormation and SAM analyzers: what a template says about its resources, beyond the
//! documents they hold.

pub mod sam_policy_template;
pub mod unfilled_substitution;
