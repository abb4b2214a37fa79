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

fn button(root: &Element, name: &str) -> Option<HtmlElement> {
    let all = root.query_selector_all("button").unwrap();
    (0..all.length())
        .filter_map(|i| all.item(i)?.dyn_into::<HtmlElement>().ok())
        .find(|b| b.text_content().as_deref() == Some(name))
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
