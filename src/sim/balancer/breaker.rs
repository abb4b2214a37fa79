//! A circuit breaker per server, as Envoy's outlier detection and resilience4j's breaker work:
//! `threshold` failures in a row (timeouts, refusals) open the circuit, and the balancer sends
//! that server nothing while it is open; after the open period it is half-open and lets one
//! trial request through: its success closes the circuit, its failure opens it again. Unlike a
//! health check, it judges the answers to real work, so it catches a server that answers probes
//! but not requests (slow, overloaded).

/// The state of one server's circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circuit {
    /// Work flows.
    Closed,
    /// No work is sent until the open period ends.
    Open,
    /// One trial request may pass.
    HalfOpen,
}

impl Circuit {
    pub fn name(self) -> &'static str {
        match self {
            Circuit::Closed => "closed",
            Circuit::Open => "open",
            Circuit::HalfOpen => "half-open",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Breaker {
    pub state: Circuit,
    /// Failures in a row while closed.
    fails: u32,
    /// Half-open: the trial request is out.
    trial: bool,
    /// The opening this circuit is in: a half-open timer set by an earlier one is void.
    opening: u64,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            state: Circuit::Closed,
            fails: 0,
            trial: false,
            opening: 0,
        }
    }
}

impl Breaker {
    /// Whether the balancer may send this server a request now.
    pub fn admits(&self) -> bool {
        match self.state {
            Circuit::Closed => true,
            Circuit::Open => false,
            Circuit::HalfOpen => !self.trial,
        }
    }

    /// A request goes to the server; half-open, it is the trial. Says whether it stopped
    /// admitting.
    pub fn sent(&mut self) -> bool {
        let trial = self.state == Circuit::HalfOpen && !self.trial;
        self.trial |= trial;
        trial
    }

    /// An attempt at the server ended: `ok` if the server answered (whatever the database said),
    /// not if it timed out or refused. Opening takes the number `opening` (unique in the run);
    /// returns the new state when it changed.
    pub fn ended(&mut self, ok: bool, threshold: u32, opening: u64) -> Option<Circuit> {
        if threshold == 0 {
            return None;
        }
        match self.state {
            Circuit::Closed if ok => {
                self.fails = 0;
                None
            }
            Circuit::Closed => {
                self.fails += 1;
                (self.fails >= threshold).then(|| self.open(opening))
            }
            Circuit::HalfOpen => {
                self.trial = false;
                Some(if ok {
                    self.state = Circuit::Closed;
                    self.fails = 0;
                    Circuit::Closed
                } else {
                    self.open(opening)
                })
            }
            // An answer to work sent before it opened changes nothing.
            Circuit::Open => None,
        }
    }

    fn open(&mut self, opening: u64) -> Circuit {
        self.state = Circuit::Open;
        self.fails = 0;
        self.trial = false;
        self.opening = opening;
        Circuit::Open
    }

    /// Opening `opening`'s period ended: half-open, unless it was closed or opened again since.
    pub fn half_open(&mut self, opening: u64) -> bool {
        let due = self.state == Circuit::Open && self.opening == opening;
        if due {
            self.state = Circuit::HalfOpen;
        }
        due
    }

    /// Breakers switched off: the circuit closes.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_in_a_row_open_it_and_a_trial_decides() {
        let mut b = Breaker::default();
        assert_eq!(b.ended(false, 3, 1), None);
        assert_eq!(b.ended(true, 3, 1), None, "a success resets the count");
        assert_eq!(b.ended(false, 3, 1), None);
        assert_eq!(b.ended(false, 3, 1), None);
        assert_eq!(b.ended(false, 3, 1), Some(Circuit::Open));
        assert!(!b.admits());
        assert_eq!(b.ended(true, 3, 2), None, "a late answer leaves it open");
        assert!(!b.half_open(7), "another opening's timer is void");
        assert!(b.half_open(1));
        assert!(b.admits());
        assert!(b.sent(), "the trial goes out");
        assert!(!b.admits(), "only one trial at a time");
        assert_eq!(b.ended(false, 3, 2), Some(Circuit::Open));
        assert!(b.half_open(2));
        b.sent();
        assert_eq!(b.ended(true, 3, 3), Some(Circuit::Closed));
        assert!(b.admits());
        assert_eq!(b.ended(false, 0, 4), None, "off: never opens");
    }
}
