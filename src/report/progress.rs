//! The progress line on standard error, for runs longer than a second on a terminal:
//! `checking: 1,204 of 9,870 files`, rewritten in place and erased when the run ends, so that
//! a monorepo check does not look hung and a pre-commit run (milliseconds) prints nothing.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Counts checked files; shows them after `delay` until dropped.
pub struct Progress {
    done: Arc<AtomicUsize>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// A counter that shows nothing.
    #[must_use]
    pub fn hidden() -> Self {
        Self { done: Arc::new(AtomicUsize::new(0)), stop: None, thread: None }
    }

    /// Shows `checking: N of TOTAL files` on `out` once `delay` has passed, every `every`.
    #[must_use]
    pub fn start(total: usize, delay: Duration, every: Duration, mut out: Box<dyn Write + Send>) -> Self {
        let done = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = mpsc::channel::<()>();
        let counter = done.clone();
        let thread = std::thread::spawn(move || {
            if stopped.recv_timeout(delay).is_ok() {
                return;
            }
            loop {
                let n = counter.load(Ordering::Relaxed).min(total);
                let _ =
                    write!(out, "\r\x1b[2Kchecking: {} of {} file{}", thousands(n), thousands(total), if total == 1 { "" } else { "s" });
                let _ = out.flush();
                match stopped.recv_timeout(every) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        });
        Self { done, stop: Some(stop), thread: Some(thread) }
    }

    /// One more file checked.
    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `9870` → `9,870`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn shows_the_count_then_erases_itself() {
        let out = Shared::default();
        let progress = Progress::start(12_345, Duration::ZERO, Duration::from_millis(1), Box::new(out.clone()));
        for _ in 0..3 {
            progress.tick();
        }
        // Wait (without timing anything) until the line with three files was written.
        while !String::from_utf8_lossy(&out.0.lock().unwrap()).contains("checking: 3 of 12,345 files") {
            std::thread::yield_now();
        }
        drop(progress);
        let text = String::from_utf8_lossy(&out.0.lock().unwrap()).into_owned();
        assert!(text.ends_with("\r\x1b[2K"), "erased at the end: {text:?}");
    }

    #[test]
    fn a_quick_run_prints_nothing() {
        let out = Shared::default();
        let progress = Progress::start(3, Duration::from_hours(1), Duration::from_millis(1), Box::new(out.clone()));
        progress.tick();
        drop(progress);
        assert!(out.0.lock().unwrap().is_empty());
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
