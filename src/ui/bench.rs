//! The page's frame benchmark (`?bench`): a fixed heavy scenario driven at a steady 60 simulated
//! frames a second, timing each frame's work (the simulation step and the render it causes) and
//! writing the figures into the page (`#bench-result`, JSON) and the console. `node
//! tests/bench/frames.mjs` runs it in headless Chromium.

use crate::sim::Config;
use crate::sim::decimal::fixed;
use crate::sim::sort::sort_by;

/// Frames run before measuring (the system fills up with requests), then frames measured.
pub const WARMUP_FRAMES: usize = 60;
pub const MEASURED_FRAMES: usize = 600;
/// Simulated time per frame: 60 frames a second at 1× speed.
pub const FRAME_MS: f64 = 1000.0 / 60.0;
/// The benchmark's speed: its settings are in the units of [`Config::v1`], shown at 1×.
pub const SPEED: f64 = 1.0;

/// Whether the page was opened with `?bench`.
pub fn requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| {
            q.trim_start_matches('?')
                .split('&')
                .any(|p| p == "bench" || p.starts_with("bench="))
        })
}

/// 32 servers, 3 replicas, 5,000 requests a second: enough traffic to keep well over a thousand
/// packets on screen while the servers run at about 80 % load. Settings of its own (the frozen
/// [`Config::v1`], run at 1×), so its figures stay comparable whatever the defaults become.
pub fn config() -> Config {
    Config {
        servers: 32,
        replicas: 3,
        arrival_rate: 5_000.0,
        service_ms: 5.0,
        ..Config::v1()
    }
}

#[derive(Default)]
pub struct Frames {
    /// The simulated wall clock the benchmark feeds the reducer.
    pub virtual_ms: f64,
    /// When the frame in progress started (before its tick was dispatched).
    started: Option<f64>,
    work_ms: Vec<f64>,
    packets: Vec<u32>,
    done: bool,
}

impl Frames {
    pub fn done(&self) -> bool {
        self.done
    }

    /// A frame starts at `now` (ms); returns the simulated clock to tick to.
    pub fn start(&mut self, now: f64) -> f64 {
        self.started = Some(now);
        self.virtual_ms += FRAME_MS;
        self.virtual_ms
    }

    /// The render of the frame in progress finished at `now`, with `packets` glyphs in the DOM.
    /// Returns the report once the last frame is in.
    pub fn rendered(&mut self, now: f64, packets: u32) -> Option<String> {
        let t0 = self.started.take()?;
        self.work_ms.push(now - t0);
        self.packets.push(packets);
        if self.done || self.work_ms.len() < WARMUP_FRAMES + MEASURED_FRAMES {
            return None;
        }
        self.done = true;
        let mut work = self.work_ms[WARMUP_FRAMES..].to_vec();
        sort_by(&mut work, |a, b| a < b);
        let at = |q: f64| work[((work.len() - 1) as f64 * q).round() as usize];
        let mut packets: Vec<f64> = self.packets[WARMUP_FRAMES..]
            .iter()
            .map(|&p| p as f64)
            .collect();
        sort_by(&mut packets, |a, b| a < b);
        let long = work.iter().filter(|&&w| w > 50.0).count();
        Some(format!(
            "{{\"frames\":{},\"median_ms\":{},\"p95_ms\":{},\"max_ms\":{},\"frames_over_50ms\":{long},\"packets_min\":{},\"packets_median\":{}}}",
            work.len(),
            fixed(at(0.5), 3),
            fixed(at(0.95), 3),
            fixed(work[work.len() - 1], 3),
            packets[0] as u64,
            packets[packets.len() / 2] as u64
        ))
    }
}

/// Puts the report where the benchmark script reads it (as text: never parsed as HTML).
pub fn publish(report: &str) {
    web_sys::console::log_1(&format!("ClusterScope frame benchmark: {report}").into());
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let (Ok(el), Some(body)) = (doc.create_element("output"), doc.body()) {
        el.set_id("bench-result");
        el.set_text_content(Some(report));
        let _ = body.append_child(&el);
    }
}

/// Packet glyphs in the document now.
pub fn packets_drawn() -> u32 {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("[data-packet]").ok())
        .map_or(0, |l| l.length())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_comes_after_warmup_and_measured_frames() {
        let mut f = Frames::default();
        let mut report = None;
        for k in 0..WARMUP_FRAMES + MEASURED_FRAMES {
            let t = f.start(k as f64 * 20.0);
            assert!((t - (k + 1) as f64 * FRAME_MS).abs() < 1e-9);
            // Warm-up frames are slow; measured ones take 1 ms, but every 100th takes 60.
            let work = if k < WARMUP_FRAMES {
                90.0
            } else if k % 100 == 0 {
                60.0
            } else {
                1.0
            };
            report = f.rendered(k as f64 * 20.0 + work, 1_200);
            assert_eq!(report.is_some(), k + 1 == WARMUP_FRAMES + MEASURED_FRAMES);
        }
        let report = report.unwrap();
        assert!(report.contains("\"frames\":600"), "{report}");
        assert!(report.contains("\"median_ms\":1.000"), "{report}");
        assert!(report.contains("\"max_ms\":60.000"), "{report}");
        assert!(report.contains("\"frames_over_50ms\":6"), "{report}");
        assert!(f.done());
        assert!(f.rendered(1e9, 0).is_none(), "nothing after the report");
    }
}
