//! What the engine measures when a request ends: the counters and latencies, the history and the
//! live linearizability check, the waterfall's end, and read anomalies (a dirty read needs the
//! database's truth about its write, which no client has).

use super::World;
use crate::sim::client::Done;
use crate::sim::history::{Fate, Op};
use crate::sim::message::{Cause, Outcome};

impl World {
    pub(super) fn observe(&mut self, done: Done) {
        let Done {
            ask,
            outcome,
            observed,
            maybe_applied,
        } = done;
        let ok = outcome == Outcome::Ok;
        let what = ask.what;
        let m = &mut self.metrics;
        m.increments_ok += (ok && what.incr) as u64;
        m.forged_served += (ok && what.forged) as u64;
        m.forbidden_writes += (ok && what.read_only && what.write) as u64;
        match (what.write, ok) {
            (true, true) => m.writes_ok += 1,
            (true, false) => m.writes_failed += 1,
            (false, true) => m.reads_ok += 1,
            (false, false) => m.reads_failed += 1,
        }
        if ok && !what.write {
            let seen = observed.map(|o| o.pos);
            let durable = seen.and_then(|p| self.db.fate_of(p));
            (self.client.anomalies).read_done(what.key, ask.read_floor, seen, durable);
        }
        if self.history.is_some() || self.live.is_some() {
            let fate = match (ok, maybe_applied) {
                (true, _) => Fate::Ok,
                (false, true) => Fate::Unknown,
                (false, false) => Fate::Refused,
            };
            let value = if what.write {
                Some(ask.id)
            } else {
                observed.filter(|_| ok).map(|o| o.value)
            };
            let op = Op {
                client: what.session,
                write: what.write,
                key: what.key,
                value,
                invoke: ask.issued,
                complete: self.now,
                ok,
                outcome: fate,
            };
            if let Some(h) = self.history.as_mut() {
                h.push(op);
            }
            if let Some(live) = self.live.as_mut() {
                live.record(op);
            }
        }
        if self.waterfall.is_some() {
            self.trace_end(ask.id, ask.issued, outcome);
        }
        // Latency is the client's wait for its answer, an error's included: a figure over
        // successes alone would flatter a choice that makes clients wait and then fail. A request
        // its own pool refused never left the client, so it has no wait to count.
        if let Outcome::Err(cause) = outcome {
            self.metrics.fail(self.now, cause);
            self.mix(cause as u64);
        }
        if outcome != Outcome::Err(Cause::ClientPool) {
            self.metrics.answered(self.now, ask.issued, ok);
            self.series.record(self.now - ask.issued);
        }
    }
}
