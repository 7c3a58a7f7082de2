//! How long the reading room takes to become useful after launch: the first exam image drawn and
//! the comparison's table drawn, from the moment the window was asked for. With
//! `TANDEM_STARTUP_TIMES` set the two times are printed once to standard error (times only, no
//! patient data); with `TANDEM_STARTUP_TIMES=exit` the app then closes, as
//! `bench/app_startup.sh` runs it.

use std::time::Instant;

/// What to do once both times are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    Nothing,
    Print,
    PrintAndClose,
}

/// The launch's two milestones.
#[derive(Debug)]
pub struct StartupClock {
    launched: Instant,
    first_image: Option<f64>,
    table: Option<f64>,
    then: Then,
}

impl StartupClock {
    /// A clock started at `launched`, told by the environment what to do with its times.
    pub fn new(launched: Instant) -> Self {
        let then = match std::env::var("TANDEM_STARTUP_TIMES").ok().as_deref() {
            None => Then::Nothing,
            Some("exit") => Then::PrintAndClose,
            Some(_) => Then::Print,
        };
        Self {
            launched,
            first_image: None,
            table: None,
            then,
        }
    }

    /// After a frame that drew an exam image (`image`) and the comparison's table (`table`):
    /// true when the app should close now (both times printed, and asked to close).
    pub fn frame(&mut self, image: bool, table: bool) -> bool {
        let now = self.launched.elapsed().as_secs_f64();
        if image && self.first_image.is_none() {
            self.first_image = Some(now);
        }
        if table && self.table.is_none() {
            self.table = Some(now);
            if let (Some(first), true) = (self.first_image, self.then != Then::Nothing) {
                eprintln!("tandem startup: first image {first:.2} s, comparison table {now:.2} s");
                return self.then == Then::PrintAndClose;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_closes_once_both_milestones_are_seen_and_only_when_asked() {
        let clock = |then| StartupClock {
            launched: Instant::now(),
            first_image: None,
            table: None,
            then,
        };
        let mut closing = clock(Then::PrintAndClose);
        assert!(!closing.frame(false, false));
        assert!(!closing.frame(true, false));
        assert!(closing.first_image.is_some() && closing.table.is_none());
        assert!(closing.frame(true, true), "both seen: close");
        assert!(!closing.frame(true, true), "once");
        let mut printing = clock(Then::Print);
        printing.frame(true, false);
        assert!(!printing.frame(true, true), "printed, not closed");
        assert!(printing.first_image <= printing.table);
    }
}
