//! Active health checks, the way HAProxy and nginx do them: probe every interval; `fall` failed
//! probes in a row mark a server down, `rise` good ones mark it up again. Between a crash and the
//! `fall`-th failed probe the balancer still believes the server healthy and keeps sending it work.

/// The balancer's view of one server's health.
#[derive(Clone, Debug, PartialEq)]
pub struct Health {
    pub healthy: bool,
    fails: u32,
    rises: u32,
    /// The probe awaiting an answer.
    pending: Option<u64>,
}

/// A change in the balancer's belief, for the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    MarkedDown { after: u32 },
    MarkedUp { after: u32 },
}

impl Health {
    pub fn new(healthy: bool) -> Self {
        Self {
            healthy,
            fails: 0,
            rises: 0,
            pending: None,
        }
    }

    /// Whether a new probe may go out (the previous one was answered or timed out).
    pub fn may_probe(&self) -> bool {
        self.pending.is_none()
    }

    pub fn sent(&mut self, seq: u64) {
        self.pending = Some(seq);
    }

    /// The probe `seq` was answered in time.
    pub fn answered(&mut self, seq: u64, rise: u32) -> Option<Verdict> {
        if self.pending != Some(seq) {
            return None; // late: its timeout already counted it as failed
        }
        self.pending = None;
        self.fails = 0;
        self.rises += 1;
        if !self.healthy && self.rises >= rise {
            self.healthy = true;
            return Some(Verdict::MarkedUp { after: self.rises });
        }
        None
    }

    /// The probe `seq` went unanswered for the probe timeout.
    pub fn timed_out(&mut self, seq: u64, fall: u32) -> Option<Verdict> {
        if self.pending != Some(seq) {
            return None;
        }
        self.pending = None;
        self.rises = 0;
        self.fails += 1;
        if self.healthy && self.fails >= fall {
            self.healthy = false;
            return Some(Verdict::MarkedDown { after: self.fails });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_and_rise_count_consecutive_probes() {
        let mut h = Health::new(true);
        h.sent(1);
        assert_eq!(h.timed_out(1, 3), None);
        h.sent(2);
        assert_eq!(h.answered(2, 2), None, "a success resets the failure count");
        for seq in 3..5 {
            h.sent(seq);
            assert_eq!(h.timed_out(seq, 3), None);
        }
        h.sent(5);
        assert_eq!(h.timed_out(5, 3), Some(Verdict::MarkedDown { after: 3 }));
        assert!(!h.healthy);
        h.sent(6);
        assert_eq!(
            h.answered(7, 2),
            None,
            "an answer to another probe is ignored"
        );
        assert_eq!(h.answered(6, 2), None);
        h.sent(8);
        assert_eq!(h.answered(8, 2), Some(Verdict::MarkedUp { after: 2 }));
    }
}
