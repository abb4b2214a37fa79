//! Browser tests: the real app mounted in headless Chromium (`wasm-pack test --headless --chrome`).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use gloo_timers::future::sleep;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "common/scenario.rs"]
mod scenario;

/// The fixed scenario gives, in Chromium's wasm, the very trace pinned for native runs.
#[wasm_bindgen_test]
fn wasm_runs_the_fixed_scenario_bit_for_bit_like_native() {
    let (trace, succeeded, _) = scenario::run();
    assert!(succeeded > 1_000);
    assert_eq!(
        trace,
        scenario::PINNED_TRACE,
        "wasm trace {trace:#x} differs from native"
    );
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh app in its own container; dropping it unmounts the app (and stops its timer).
struct Mounted {
    root: Element,
    app: Option<yew::AppHandle<clusterscope::ui::App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

async fn mount() -> Mounted {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let app = yew::Renderer::<clusterscope::ui::App>::with_root(root.clone()).render();
    sleep(Duration::from_millis(50)).await;
    Mounted {
        root,
        app: Some(app),
    }
}

/// The button with this accessible name (its `aria-label`, else its text).
fn button(root: &Element, name: &str) -> Option<HtmlElement> {
    let all = root.query_selector_all("button").unwrap();
    (0..all.length())
        .filter_map(|i| all.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|b| {
            b.get_attribute("aria-label")
                .or_else(|| b.text_content())
                .as_deref()
                == Some(name)
        })
}

fn click(root: &Element, name: &str) {
    button(root, name)
        .unwrap_or_else(|| panic!("no button named {name}"))
        .click();
}

fn query(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

/// Types `value` into a field and commits it, as a person pressing Enter would.
fn commit(root: &Element, selector: &str, value: &str) {
    let input: web_sys::HtmlInputElement = query(root, selector).dyn_into().unwrap();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    for kind in ["input", "change"] {
        input
            .dispatch_event(&web_sys::Event::new_with_event_init_dict(kind, &init).unwrap())
            .unwrap();
    }
}

fn choose(root: &Element, selector: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = query(root, selector).dyn_into().unwrap();
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    select
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

fn press(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    document().dispatch_event(&e).unwrap();
}

async fn frame() {
    sleep(Duration::from_millis(40)).await;
}

fn text(root: &Element, selector: &str) -> String {
    query(root, selector).text_content().unwrap_or_default()
}

fn attr(root: &Element, selector: &str, name: &str) -> String {
    let el = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"));
    el.get_attribute(name)
        .unwrap_or_else(|| panic!("{selector} has no {name}"))
}

#[wasm_bindgen_test]
async fn every_node_of_the_seed_system_is_drawn_with_its_hooks() {
    let app = mount().await;
    let root = &app.root;
    for node in [
        "client", "lb", "server-1", "server-2", "server-3", "db-1", "db-2", "db-3",
    ] {
        assert_eq!(
            attr(root, &format!("[data-node='{node}']"), "data-status"),
            "up",
            "{node}"
        );
    }
    assert_eq!(attr(root, "[data-node='db-1']", "data-role"), "leader");
    assert_eq!(attr(root, "[data-node='db-2']", "data-role"), "follower");
    for metric in [
        "throughput",
        "success-rate",
        "p50",
        "p95",
        "p99",
        "errors",
        "in-flight",
    ] {
        assert!(
            root.query_selector(&format!("[data-metric='{metric}']"))
                .unwrap()
                .is_some(),
            "{metric}"
        );
    }
    let select = root
        .query_selector("select#strategy")
        .unwrap()
        .expect("strategy select");
    let label = root
        .query_selector("label[for='strategy']")
        .unwrap()
        .unwrap();
    assert_eq!(label.text_content().as_deref(), Some("Balancing strategy"));
    assert!(select.inner_html().contains("value=\"round-robin\""));
}

#[wasm_bindgen_test]
async fn failing_server_2_marks_it_down_and_renames_its_button() {
    let app = mount().await;
    let root = &app.root;
    assert!(button(root, "Recover Server 2").is_none());
    button(root, "Fail Server 2")
        .expect("a Fail Server 2 button")
        .click();
    sleep(Duration::from_millis(50)).await;
    // Down, but the balancer has not noticed yet: suspect, until enough health checks fail.
    assert_eq!(
        attr(root, "[data-node='server-2']", "data-status"),
        "suspect"
    );
    assert_eq!(attr(root, "[data-node='server-1']", "data-status"), "up");
    assert!(button(root, "Fail Server 2").is_none());
    let mut waited = 0;
    while attr(root, "[data-node='server-2']", "data-status") != "down" {
        assert!(waited < 5_000, "the balancer never noticed the crash");
        sleep(Duration::from_millis(100)).await;
        waited += 100;
    }
    assert!(
        waited >= 500,
        "detected after {waited} ms: too soon for health checks"
    );
    assert_eq!(
        attr(root, "[data-node='server-2']", "data-health"),
        "out-of-rotation"
    );
    button(root, "Recover Server 2")
        .expect("renamed to Recover Server 2")
        .click();
    sleep(Duration::from_millis(50)).await;
    assert_eq!(attr(root, "[data-node='server-2']", "data-status"), "up");
}

#[wasm_bindgen_test]
async fn packets_travel_while_playing() {
    let app = mount().await;
    let root = &app.root;
    sleep(Duration::from_millis(1500)).await;
    let packets = root.query_selector_all("[data-packet]").unwrap().length();
    let served: u64 = (1..=3)
        .map(|i| {
            attr(root, &format!("[data-node='server-{i}']"), "data-served")
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert!(packets > 0 || served > 0, "nothing moved in 1.5 s");
}

#[wasm_bindgen_test]
async fn controls_dispatch_their_actions() {
    let app = mount().await;
    let root = &app.root;
    click(root, "Pause");
    frame().await;
    // Scaling out and in.
    click(root, "Add server");
    frame().await;
    assert_eq!(count(root, "[data-node^='server-']"), 4);
    // Strategy by its select.
    choose(root, "select#strategy", "least-connections");
    frame().await;
    assert!(text(root, "[data-node='lb']").contains("Least connections"));
    // Slow and power per server.
    click(root, "Slow Server 1");
    choose(root, "select[aria-label='Power of Server 3']", "4");
    frame().await;
    assert_eq!(attr(root, "[data-node='server-1']", "data-status"), "slow");
    assert_eq!(attr(root, "[data-node='server-3']", "data-power"), "4");
    // A knob: out of range is clamped and said so; not a number keeps the value.
    commit(root, "#arrival-rate", "5000000");
    frame().await;
    assert!(text(root, ".field-note").contains("using the most, 1000000 req/s"));
    assert!(text(root, "[data-node='client']").contains("1000000 req/s"));
    commit(root, "#arrival-rate", "");
    frame().await;
    assert!(text(root, ".field-note").contains("not a number; kept 1000000"));
    commit(root, "#arrival-rate", "12");
    frame().await;
    assert!(text(root, "[data-node='client']").contains("12 req/s"));
    // A link: click it, cut it from the editor, heal it.
    // SVG elements have no click(): send the event a mouse would.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    query(root, "[data-link='lb~server-2'] .link-hit")
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("click", &init).unwrap())
        .unwrap();
    frame().await;
    assert!(text(root, ".link-editor h3").contains("Load balancer ↔ Server 2"));
    click(root, "Cut link");
    frame().await;
    assert!(attr(root, "[data-link='lb~server-2'] path", "class").contains("cut"));
    assert!(text(root, ".log").contains("Link Load balancer ↔ Server 2 cut"));
    click(root, "Heal link");
    frame().await;
    assert!(!attr(root, "[data-link='lb~server-2'] path", "class").contains("cut"));
    // A replica count restarts the run, keeping the servers there are.
    choose(root, "select#replicas", "5");
    frame().await;
    assert_eq!(count(root, "[data-node^='db-']"), 5);
    assert_eq!(count(root, "[data-node^='server-']"), 4);
}

#[wasm_bindgen_test]
async fn keyboard_shortcuts_drive_the_page() {
    let app = mount().await;
    let root = &app.root;
    press(" ");
    frame().await;
    assert!(button(root, "Play").is_some(), "Space paused");
    let before = text(root, "[data-metric='sim-time']");
    press(".");
    frame().await;
    assert_ne!(
        text(root, "[data-metric='sim-time']"),
        before,
        "`.` stepped"
    );
    press("5");
    frame().await;
    assert!(text(root, "[data-node='lb']").contains("Power of two"));
    press("+");
    frame().await;
    let speed: web_sys::HtmlSelectElement = query(root, "select#speed").dyn_into().unwrap();
    assert_eq!(speed.value(), "0.25");
    press("?");
    frame().await;
    assert!(root.query_selector("[role='dialog']").unwrap().is_some());
    press("?");
    frame().await;
    assert!(root.query_selector("[role='dialog']").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_log_and_the_inspector_follow_a_node() {
    let app = mount().await;
    let root = &app.root;
    click(root, "Fail Server 2");
    frame().await;
    let entry: HtmlElement = query(root, "[data-log-node='server-2']")
        .dyn_into()
        .unwrap();
    entry.click();
    frame().await;
    assert!(text(root, ".inspector h3").contains("Server 2"));
    assert!(text(root, ".inspector").contains("believes it healthy"));
    assert!(
        root.query_selector(".selection").unwrap().is_some(),
        "ringed in the diagram"
    );
    click(root, "Close");
    frame().await;
    assert!(root.query_selector(".inspector").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_waterfall_follows_the_next_request_to_its_end() {
    let app = mount().await;
    let root = &app.root;
    choose(root, "select#speed", "10");
    click(root, "Trace the next request");
    let mut waited = 0;
    while !text(root, ".waterfall").contains("succeeded in") {
        assert!(
            waited < 5_000,
            "no traced request finished: {}",
            text(root, ".waterfall")
        );
        sleep(Duration::from_millis(100)).await;
        waited += 100;
    }
    assert!(count(root, "[data-span='network']") >= 4);
    assert!(count(root, "[data-span='service']") >= 1);
}

fn boxes(root: &Element) -> Vec<(String, web_sys::DomRect)> {
    let all = root.query_selector_all("[data-node] > rect.box").unwrap();
    (0..all.length())
        .map(|i| {
            let el: Element = all.item(i).unwrap().dyn_into().unwrap();
            let node = el
                .parent_element()
                .unwrap()
                .get_attribute("data-node")
                .unwrap();
            (node, el.get_bounding_client_rect())
        })
        .collect()
}

/// Drawn in the browser, nodes never overlap, from 1 to 64 servers and 1 to 9 replicas.
#[wasm_bindgen_test]
async fn the_drawn_layout_has_no_overlaps_from_1_to_64_servers() {
    let app = mount().await;
    let root = &app.root;
    click(root, "Pause");
    choose(root, "select#replicas", "9");
    frame().await;
    click(root, "Remove server");
    click(root, "Remove server");
    frame().await;
    for servers in 1..=64u32 {
        if servers > 1 {
            click(root, "Add server");
            sleep(Duration::from_millis(5)).await;
        }
        if !(servers <= 10 || servers % 9 == 0 || servers == 64) {
            continue;
        }
        frame().await;
        assert_eq!(count(root, "[data-node^='server-']"), servers);
        let b = boxes(root);
        assert_eq!(b.len() as u32, servers + 2 + 9);
        for (i, (na, a)) in b.iter().enumerate() {
            assert!(
                a.width() > 10.0 && a.height() > 10.0,
                "{na} is too small to see"
            );
            for (nb, c) in &b[i + 1..] {
                let apart = a.right() <= c.left() + 0.5
                    || c.right() <= a.left() + 0.5
                    || a.bottom() <= c.top() + 0.5
                    || c.bottom() <= a.top() + 0.5;
                assert!(apart, "{servers} servers: {na} overlaps {nb}");
            }
        }
    }
    assert!(button(root, "Add server").is_some());
}

/// However busy the system, the DOM holds at most 1,500 packet glyphs, and the page says it samples.
#[wasm_bindgen_test]
async fn packets_are_sampled_to_a_bounded_dom() {
    let app = mount().await;
    let root = &app.root;
    commit(root, "#arrival-rate", "20000");
    commit(root, "#latency-ms", "400");
    let mut most = 0;
    for _ in 0..20 {
        sleep(Duration::from_millis(100)).await;
        let n = count(root, "[data-packet]");
        assert!(
            n as usize <= clusterscope::ui::MAX_PACKETS,
            "{n} packets drawn"
        );
        most = most.max(n);
    }
    assert!(most > 500, "busy enough to need sampling: {most}");
    assert!(text(root, ".diagram").contains("Sampling"));
}

/// A monkey: hundreds of random clicks and choices; the page never panics and stays drawn.
#[wasm_bindgen_test]
async fn random_clicking_never_breaks_the_page() {
    let app = mount().await;
    let root = &app.root;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as u32
    };
    let values = ["0", "-1", "1e9", "abc", "0.5", "3", "100", "1e-9"];
    for _ in 0..300 {
        match next(3) {
            0 => {
                let all = root.query_selector_all("button").unwrap();
                if let Some(b) = all.item(next(all.length())) {
                    let b: HtmlElement = b.dyn_into().unwrap();
                    if b.text_content().as_deref() != Some("Reset") {
                        b.click();
                    }
                }
            }
            1 => {
                let all = root.query_selector_all("select").unwrap();
                if let Some(s) = all.item(next(all.length())) {
                    let s: web_sys::HtmlSelectElement = s.dyn_into().unwrap();
                    let k = next(s.length().max(1));
                    s.set_selected_index(k as i32);
                    let init = web_sys::EventInit::new();
                    init.set_bubbles(true);
                    s.dispatch_event(
                        &web_sys::Event::new_with_event_init_dict("change", &init).unwrap(),
                    )
                    .unwrap();
                }
            }
            _ => {
                let all = root.query_selector_all("input[type='number']").unwrap();
                if let Some(i) = all.item(next(all.length())) {
                    let i: Element = i.dyn_into().unwrap();
                    let id = i.id();
                    commit(
                        root,
                        &format!("#{id}"),
                        values[next(values.len() as u32) as usize],
                    );
                }
            }
        }
        if next(10) == 0 {
            frame().await;
        }
    }
    frame().await;
    assert!(
        document().get_element_by_id("fatal").is_none(),
        "the panic banner showed"
    );
    assert!(
        count(root, "[data-node]") >= 4,
        "the diagram is still drawn"
    );
}

/// However the packet layer hands its glyphs out (by look, reusing, restyling, removing), the
/// glyphs show exactly the messages on the wire: each one's kind, link, error and retry, at its
/// place (to a tenth of a unit), frame after frame of a busy system whose mix keeps changing.
#[wasm_bindgen_test]
fn packet_glyphs_show_exactly_the_messages_in_flight() {
    use clusterscope::sim::{Config, PacketKind, World};
    use clusterscope::ui::PacketLayer;
    const SVG: &str = "http://www.w3.org/2000/svg";
    let doc = document();
    let svg = doc.create_element_ns(Some(SVG), "svg").unwrap();
    let root = doc.create_element_ns(Some(SVG), "g").unwrap();
    svg.append_child(&root).unwrap();
    doc.body().unwrap().append_child(&svg).unwrap();
    let mut w = World::new(Config {
        servers: 6,
        arrival_rate: 1_500.0,
        ..Config::default()
    })
    .unwrap();
    let px = 1000;
    let l = clusterscope::ui::geometry::layout(w.servers().len(), w.replicas().len(), px);
    let mut layer = PacketLayer::default();
    let tenth = |v: f64| (v * 10.0).round() as i64;
    let mut seen = 0;
    for frame in 0..240u64 {
        // The mix changes: a server fails and recovers, retries and errors come and go.
        match frame {
            60 => w.apply(clusterscope::sim::Action::Fail(
                clusterscope::sim::NodeId::Server(1),
            )),
            150 => w.apply(clusterscope::sim::Action::Recover(
                clusterscope::sim::NodeId::Server(1),
            )),
            _ => {}
        }
        w.step_until(w.now() + 16_667);
        layer.draw(&root, &w, true, px);
        let mut want: Vec<(String, i64, i64)> = w
            .messages()
            .filter_map(|(_, m)| {
                let route = l.route(m.from, m.to)?;
                let kind = m.kind();
                let lane = if kind == PacketKind::Response {
                    -5.0
                } else {
                    5.0
                };
                let p = route.at(m.progress(w.now()), lane);
                let look = format!(
                    "{} {} {} {} {}",
                    kind.name(),
                    m.from,
                    m.to,
                    m.payload.is_error(),
                    m.payload.attempt() > 1
                );
                Some((look, tenth(p.x), tenth(p.y)))
            })
            .collect();
        let glyphs = root.query_selector_all("[data-packet]").unwrap();
        let mut got: Vec<(String, i64, i64)> = (0..glyphs.length())
            .map(|k| {
                let g: Element = glyphs.item(k).unwrap().dyn_into().unwrap();
                let a = |name: &str| g.get_attribute(name).unwrap_or_default();
                let look = format!(
                    "{} {} {} {} {}",
                    a("data-packet"),
                    a("data-from"),
                    a("data-to"),
                    g.has_attribute("data-error"),
                    g.has_attribute("data-retry")
                );
                let at = |name: &str| tenth(a(name).parse::<f32>().unwrap() as f64);
                (look, at("cx"), at("cy"))
            })
            .collect();
        assert!(
            want.len() < clusterscope::ui::MAX_PACKETS,
            "no sampling here"
        );
        want.sort();
        got.sort();
        // A glyph is rewritten when its place moves by a tenth; f32 storage may round the other way.
        let close = |a: &(String, i64, i64), b: &(String, i64, i64)| {
            a.0 == b.0 && (a.1 - b.1).abs() <= 1 && (a.2 - b.2).abs() <= 1
        };
        assert!(
            got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| close(a, b)),
            "frame {frame}:\n drawn {got:?}\n wire  {want:?}"
        );
        seen += want.len();
    }
    assert!(seen > 2_000, "busy enough to test: {seen} glyphs checked");
    svg.remove();
}
