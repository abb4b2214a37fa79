//! The history of client operations, one record per request, for checking consistency from outside
//! the model (as Jepsen checks real databases).

use super::decimal::fixed;
use super::time::Time;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    /// The client session that issued it.
    pub client: u32,
    pub write: bool,
    pub key: u32,
    /// A write's value (its request id, unique in the run); what a read returned (`None`: the key
    /// was never written, or the read failed).
    pub value: Option<u64>,
    pub invoke: Time,
    pub complete: Time,
    pub ok: bool,
    /// What the client can know of its effect. Only `Unknown` writes widen a checker's search.
    pub outcome: Fate,
}

/// How an operation ended, as its client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Answered successfully.
    Ok,
    /// Certainly not applied: every attempt was turned away before it could take effect.
    Refused,
    /// May have taken effect, at any point after its call, or never (e.g. an attempt timed out).
    Unknown,
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Ok => "ok",
            Fate::Refused => "refused",
            Fate::Unknown => "unknown",
        }
    }
}

impl Op {
    /// In words, for the event log: "read of key 7 at 12.128–12.163 s returned v41".
    pub fn describe(&self) -> String {
        let value = self
            .value
            .map_or("nothing".to_string(), |v| format!("v{v}"));
        let (what, verb) = if self.write {
            ("write", "wrote")
        } else {
            ("read", "returned")
        };
        let fate = match self.outcome {
            Fate::Ok => "",
            Fate::Refused => " (refused)",
            Fate::Unknown => " (outcome unknown)",
        };
        format!(
            "{what} of key {} at {}–{} s {verb} {value}{fate}",
            self.key,
            fixed(self.invoke as f64 / 1e6, 3),
            fixed(self.complete as f64 / 1e6, 3)
        )
    }

    /// One JSON line with the keys of the runner's contract.
    pub fn to_json(&self) -> String {
        let value = self.value.map_or("null".to_string(), |v| v.to_string());
        format!(
            "{{\"client\":{},\"op\":\"{}\",\"key\":{},\"value\":{},\"invoke_ms\":{},\"complete_ms\":{},\"ok\":{},\"outcome\":\"{}\"}}",
            self.client,
            if self.write { "write" } else { "read" },
            self.key,
            value,
            self.invoke as f64 / 1e3,
            self.complete as f64 / 1e3,
            self.ok,
            self.outcome.name()
        )
    }
}

/// Reads that returned a value older than the newest write acknowledged before they began: a value
/// whose write finished before another write to the key was invoked, the latter finishing (ok)
/// before the read began — or nothing when some write had finished. The check needs only the
/// history, not the model.
pub fn stale_reads(ops: &[Op]) -> Vec<Op> {
    use std::collections::HashMap;
    let mut writes: HashMap<u32, Vec<&Op>> = HashMap::new();
    let mut by_value: HashMap<u64, &Op> = HashMap::new();
    for op in ops.iter().filter(|o| o.write) {
        if op.ok {
            writes.entry(op.key).or_default().push(op);
        }
        if let Some(v) = op.value {
            by_value.insert(v, op);
        }
    }
    ops.iter()
        .filter(|r| !r.write && r.ok)
        .filter(|r| {
            let done: Vec<&&Op> = writes.get(&r.key).map_or(vec![], |w| {
                w.iter().filter(|w| w.complete < r.invoke).collect()
            });
            match r.value.and_then(|v| by_value.get(&v)) {
                None => !done.is_empty(),
                // Stale if a write that began after this value's write ended, ended before the read.
                Some(read_from) => done.iter().any(|w| w.invoke > read_from.complete),
            }
        })
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(write: bool, value: Option<u64>, invoke: Time, complete: Time) -> Op {
        Op {
            client: 0,
            write,
            key: 7,
            value,
            invoke,
            complete,
            ok: true,
            outcome: Fate::Ok,
        }
    }

    #[test]
    fn a_read_of_an_overwritten_value_is_stale_and_a_concurrent_one_is_not() {
        let w1 = op(true, Some(1), 0, 10);
        let w2 = op(true, Some(2), 20, 30);
        let fresh = op(false, Some(2), 40, 50);
        let stale = op(false, Some(1), 40, 50);
        let concurrent = op(false, Some(1), 25, 35); // w2 not finished when it began
        let empty = op(false, None, 40, 50);
        let found = stale_reads(&[w1, w2, fresh, stale, concurrent, empty]);
        assert_eq!(found, vec![stale, empty]);
        assert!(
            op(true, Some(3), 0, 1)
                .to_json()
                .contains("\"op\":\"write\",\"key\":7,\"value\":3")
        );
    }
}
