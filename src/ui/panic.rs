//! A panic in wasm would otherwise freeze the page silently. The hook puts the message where the person
//! can see it (an alert banner) and in the console.

use wasm_bindgen::JsValue;

pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = format!(
            "ClusterScope hit a bug and stopped: {info}. Reload the page to start again; \
             if it keeps happening, please report this message."
        );
        web_sys::console::error_1(&JsValue::from_str(&text));
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let banner = doc.get_element_by_id("fatal").or_else(|| {
            let el = doc.create_element("div").ok()?;
            el.set_id("fatal");
            doc.body()?.prepend_with_node_1(&el).ok()?;
            Some(el)
        });
        if let Some(el) = banner {
            let _ = el.set_attribute("role", "alert");
            let _ = el.set_attribute("class", "fatal");
            el.set_text_content(Some(&text));
        }
    }));
}
