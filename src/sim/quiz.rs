//! The knowledge check: questions written for the lessons, each with one right answer, an
//! explanation, and the lesson to revisit. Grading is pure; the page keeps the answers.

pub struct Question {
    pub id: &'static str,
    pub text: &'static str,
    pub choices: &'static [&'static str],
    pub answer: usize,
    pub why: &'static str,
    /// The id of the lesson that shows it.
    pub lesson: &'static str,
}

pub const QUESTIONS: &[Question] = &[
    Question {
        id: "rr-uneven",
        text: "Requests vary a lot in cost. Which balancer keeps the tail latency lowest?",
        choices: &["Round robin", "Random", "Least connections"],
        answer: 2,
        why: "Round robin and random ignore load: a server stuck on a slow request still gets its share. Least connections sends new work to the server with the fewest requests open.",
        lesson: "balancing",
    },
    Question {
        id: "detect",
        text: "A server crashes. Health checks run every 1 s and a server is marked down after 2 misses. Roughly how long do requests keep going to it?",
        choices: &["Not at all", "About 2 seconds", "Until an operator notices"],
        answer: 1,
        why: "Nobody tells the balancer; it infers the crash from missed checks. Until then requests sent there time out and, with retries, go elsewhere.",
        lesson: "failure",
    },
    Question {
        id: "vertical",
        text: "What does horizontal scaling give you that vertical scaling does not?",
        choices: &[
            "Lower latency per request",
            "Redundancy: one machine's failure leaves the rest",
            "No network hops",
        ],
        answer: 1,
        why: "A bigger machine serves faster but is still one machine, priced steeper and capped in size. More machines survive the loss of one.",
        lesson: "scaling",
    },
    Question {
        id: "slow-link",
        text: "One link becomes five times slower than the others. What can happen besides slower requests through it?",
        choices: &[
            "Nothing else",
            "Health checks time out and a healthy server is marked down",
            "The database loses writes",
        ],
        answer: 1,
        why: "A probe that takes longer than its timeout counts as failed: to the balancer, a slow path looks like a dead server.",
        lesson: "latency",
    },
    Question {
        id: "async-loss",
        text: "With asynchronous replication, the leader crashes right after acknowledging a write. What happens to that write?",
        choices: &[
            "It is always kept",
            "It may be lost: the followers never got it",
            "The client is told it failed",
        ],
        answer: 1,
        why: "Asynchronous replication acknowledges before the followers have the write. A new leader elected from the followers does not have it.",
        lesson: "failover",
    },
    Question {
        id: "catch-up",
        text: "A replica was down for a minute. How does it get the writes it missed?",
        choices: &[
            "It cannot: they are gone",
            "It asks the leader for everything after its last version",
            "Clients send them again",
        ],
        answer: 1,
        why: "It knows the last write it applied, so the leader sends what came after: it catches up without a full copy.",
        lesson: "replication",
    },
    Question {
        id: "cap",
        text: "The network splits the replicas. The system keeps accepting writes on both sides. What did it choose?",
        choices: &["Consistency (CP)", "Availability (AP)", "Both"],
        answer: 1,
        why: "During a partition you give up one: accepting writes on both sides stays available, and the sides diverge until they reconcile.",
        lesson: "cap",
    },
    Question {
        id: "lost-update",
        text: "Two servers each read a counter at 5, add one and write 6. What fixes the lost increment?",
        choices: &[
            "Faster servers",
            "Compare-and-set: a write fails if the value changed since it was read",
            "More replicas",
        ],
        answer: 1,
        why: "The bug is the interleaving, not either server. A conditional write refuses the stale one, and the server redoes the increment.",
        lesson: "concurrency",
    },
    Question {
        id: "cache-stale",
        text: "Each server caches reads in its own memory. A write goes through Server 1. What can a read through Server 2 return?",
        choices: &[
            "Always the new value",
            "The old value, until its cached entry expires",
            "An error",
        ],
        answer: 1,
        why: "Server 2's copy is its own; nothing told it about the write. A shorter entry lifetime bounds how stale it can be, at the cost of more misses.",
        lesson: "cache",
    },
    Question {
        id: "edge",
        text: "Why check credentials at the load balancer rather than on each server?",
        choices: &[
            "It is the only place with a clock",
            "Bad requests are refused once, before they cost any server work",
            "Servers cannot read headers",
        ],
        answer: 1,
        why: "The edge sees every request first: refusing there (401, 403) keeps them off the servers and the database, and the rule lives in one place.",
        lesson: "security",
    },
    Question {
        id: "retry-storm",
        text: "Busy servers start timing out, and the balancer retries each timeout on another server. Success falls to almost nothing, yet every server is busy all the time. Why?",
        choices: &[
            "The retries go to crashed servers",
            "Servers still serve the requests the balancer gave up on, and every retry adds more",
            "A timeout stops the server it fired for",
        ],
        answer: 1,
        why: "Nobody tells a server that the balancer stopped waiting: it serves the request anyway, for nobody, while the retry queues elsewhere. Deadline propagation (drop work whose time ran out) or load shedding (refuse at once when the queue is old) gives the time back to requests someone waits for.",
        lesson: "overload",
    },
    Question {
        id: "autoscale-spike",
        text: "An autoscaler adds servers when it sees traffic rise; a server takes 3 s to start. A spike lasts 10 s. What protects the spike's first seconds?",
        choices: &[
            "Checking health more often",
            "Capacity already running before the spike (a higher minimum)",
            "A shorter cooldown",
        ],
        answer: 1,
        why: "The autoscaler must first see the rise, then wait for new servers to start and pass their checks; until then only the servers already running serve. Faster checks save a tenth of a second; a cooldown only delays removing servers.",
        lesson: "autoscale",
    },
];

/// Right answers among `answers` (one entry per question; `None` unanswered).
#[cfg_attr(not(feature = "web"), allow(dead_code, reason = "the page's alone"))]
pub fn score(answers: &[Option<usize>]) -> usize {
    QUESTIONS
        .iter()
        .zip(answers)
        .filter(|(q, a)| **a == Some(q.answer))
        .count()
}

/// Answers as kept in storage: one character per question, `-` for none.
#[cfg_attr(not(feature = "web"), allow(dead_code, reason = "the page's alone"))]
pub fn encode(answers: &[Option<usize>]) -> String {
    answers
        .iter()
        .map(|a| a.map_or('-', |i| char::from(b'0' + i.min(9) as u8)))
        .collect()
}

/// Reads what `encode` wrote; anything else gives no answers rather than an error.
#[cfg_attr(not(feature = "web"), allow(dead_code, reason = "the page's alone"))]
pub fn decode(text: &str) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = text
        .chars()
        .take(QUESTIONS.len())
        .map(|c| c.to_digit(10).map(|d| d as usize))
        .collect();
    out.resize(QUESTIONS.len(), None);
    for (a, q) in out.iter_mut().zip(QUESTIONS) {
        if a.is_some_and(|i| i >= q.choices.len()) {
            *a = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::lesson;

    #[test]
    fn every_question_is_answerable_and_points_at_a_lesson() {
        assert!(QUESTIONS.len() >= 10);
        for q in QUESTIONS {
            assert!(q.answer < q.choices.len(), "{}", q.id);
            assert!(lesson::find(q.lesson).is_some(), "{}", q.id);
        }
    }

    #[test]
    fn answers_survive_storage_and_garbage_is_no_answers() {
        let mut a = vec![None; QUESTIONS.len()];
        a[0] = Some(2);
        a[3] = Some(0);
        assert_eq!(decode(&encode(&a)), a);
        assert_eq!(score(&a), 1);
        assert_eq!(decode("9x\u{1F600}"), vec![None; QUESTIONS.len()]);
        assert_eq!(decode(""), vec![None; QUESTIONS.len()]);
    }
}
