//! A panic in wasm would otherwise freeze the page silently. The hook puts the message where the person
//! can see it (an alert banner) and in the console. The release page is built without panic
//! messages (tests/build/release.sh): there a panic stops the wasm at once, no hook runs, and the
//! trap reaches the window as an error event, which shows the same banner.

use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::JsCast;

/// Shows `what` in the page's alert banner (unless a banner already says something: the panic
/// hook's message comes before its trap's, and says more).
fn banner(what: &str) {
    let text = format!(
        "ClusterScope hit a bug and stopped: {what}. Reload the page to start again; \
         if it keeps happening, please report this message."
    );
    web_sys::console::error_1(&JsValue::from_str(&text));
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.get_element_by_id("fatal").is_some() {
        return;
    }
    let el = doc.create_element("div").ok();
    if let (Some(el), Some(body)) = (el, doc.body()) {
        el.set_id("fatal");
        let _ = el.set_attribute("role", "alert");
        let _ = el.set_attribute("class", "fatal");
        el.set_text_content(Some(&text));
        let _ = body.prepend_with_node_1(&el);
    }
}

pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| banner(&info.to_string())));
    // A trap in the wasm (an aborted panic) surfaces as an uncaught error of whatever called in.
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        if e.error()
            .is_instance_of::<js_sys::WebAssembly::RuntimeError>()
        {
            banner(&e.message());
        }
    });
    let _ = window.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    // For the page's whole life.
    on_error.forget();
}
