//! Lesson: Latency and bandwidth.

use super::check::Progress;
use super::plan::Lesson;
use crate::sim::config::ServiceDist;
use crate::sim::decimal::fixed;
use crate::sim::node::NodeId;
use crate::sim::time::MS;
use crate::sim::world::World;

pub(super) const LESSON: Lesson = Lesson {
    id: "latency",
    title: "Latency and bandwidth",
    idea: "A link is a delay (latency) and a pipe (bandwidth). A slow link adds its delay to every request through it; a narrow one makes messages wait their turn to be sent.",
    steps: &[
        "Click the link from the balancer to Server 1.",
        "Press WAN link (20 ms): a link to another region.",
        "Wait 15 s (1.5 s simulated at 0.1×).",
    ],
    watch: "The link's label and the balancer's response times (click the balancer).",
    parts: 1,
    preset: |c| {
        // Light, even traffic: a link's 30 ms more per round trip stands out from queueing.
        c.arrival_rate = 30.0;
        c.service_dist = ServiceDist::Constant;
    },
};

/// Once the step is done: what the run showed, in its own figures.
pub(super) fn check(p: &mut Progress, w: &World) -> Option<String> {
    let cfg = w.config();
    Some({
        let spec = w.network().spec(NodeId::Lb, NodeId::Server(0));
        let base = w.network().default_spec();
        let slowed = spec.latency_ms >= 2.0 * base.latency_ms.max(1.0);
        if !p.held(w, slowed, 1_500 * MS, [0; 3]) {
            return None;
        }
        let b = w.balancer().backends();
        if !w.balancer().accepts(0) {
            format!(
                "Health checks to Server 1 now take longer than their {} ms timeout, so the balancer marked a healthy server down: to a health check, a slow link looks like a dead machine. The other servers carry everything, and their queues show it.",
                crate::sim::decimal::trim(cfg.hc_timeout_ms)
            )
        } else {
            format!(
                "The balancer now sees {} ms round trips to Server 1 against {} ms to Server 2: every request through the slow link pays its delay twice. Least response time would notice and send fewer there.",
                fixed(b.first()?.ewma_ms(), 0),
                fixed(b.get(1)?.ewma_ms(), 0)
            )
        }
    })
}
