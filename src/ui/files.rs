//! Sharing and files: the run's link (copied to the clipboard), the scenario as a file, the
//! summary as JSON and the chart data as CSV, and importing a scenario file. What goes in them is
//! the model's (`sim::share`, `sim::summary`, `Series::to_csv`); this moves bytes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::state::Msg;
use super::view::View;
use crate::sim::share::{MAX_LEN, Scenario};
use crate::sim::summary::Summary;

/// The page's address without its fragment, to put a scenario after.
fn page_address() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// The link to a scenario's text.
fn link_to(text: &str) -> String {
    format!("{}#{text}", page_address())
}

/// Copies `text` to the clipboard where the browser allows it (the link is shown either way), and
/// reports whether it did once the browser says so.
fn copy(text: &str, on: Callback<Msg>) {
    let Some(w) = web_sys::window() else {
        return;
    };
    // One handler for both outcomes (writeText resolves with undefined, rejects with an error):
    // it frees itself on its one call.
    let done: Closure<dyn FnMut(JsValue)> =
        Closure::once(move |v: JsValue| on.emit(Msg::Copied(v.is_undefined())));
    let _ = w
        .navigator()
        .clipboard()
        .write_text(text)
        .then2(&done, &done);
    done.forget();
}

/// Offers `text` as a download named `name`.
fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let a = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = a {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // Later, not at once: some browsers start the download after the click returns.
    gloo_timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// Reads the file chosen in `input` and opens it as a scenario (the reducer validates it).
fn import(input: &HtmlInputElement, on: Callback<Msg>) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    input.set_value("");
    if file.size() > MAX_LEN as f64 {
        on.emit(Msg::Notice(Some(format!(
            "That file could not be opened: it is {} bytes, and a scenario is at most {MAX_LEN}.",
            file.size() as u64
        ))));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r = reader.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let text = r
            .result()
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        on.emit(Msg::Open(text, false));
    });
    reader.set_onload(Some(onload.unchecked_ref()));
    let _ = reader.read_as_text(&file);
}

/// "Share and export": the link, the files out, a scenario file in.
pub(super) fn share_panel(
    view: &View,
    on: &Callback<Msg>,
    link: Option<&str>,
    copied: Option<bool>,
) -> Html {
    let world = view.world.clone();
    let save = move |what: u8| {
        let world = world.clone();
        Callback::from(move |_: MouseEvent| {
            let w = world.borrow();
            match what {
                0 => download(
                    "clusterscope-scenario.txt",
                    "text/plain",
                    &(Scenario::of(&w).encode() + "\n"),
                ),
                1 => download(
                    "clusterscope-summary.json",
                    "application/json",
                    // Wall time is not the run's: left out (null).
                    &Summary::of(&w).to_json(f64::NAN),
                ),
                _ => download("clusterscope-charts.csv", "text/csv", &w.series().to_csv()),
            }
        })
    };
    // Copied here, in the click itself (browsers allow the clipboard only there); the reducer
    // makes the same link to show it, or says why there is none.
    let copy_link = {
        let (world, on) = (view.world.clone(), on.clone());
        Callback::from(move |_: MouseEvent| {
            let text = Scenario::of(&world.borrow()).encode();
            if text.len() <= MAX_LEN {
                copy(&link_to(&text), on.clone());
            }
            on.emit(Msg::MakeLink);
        })
    };
    let onchange = {
        let on = on.clone();
        Callback::from(move |e: Event| import(&e.target_unchecked_into(), on.clone()))
    };
    html! {
        <details class="panel share">
            <summary>{ "Share and export" }</summary>
            <div class="panel-body">
                <p class="hint">{ "A link replays this run exactly: its settings, seed and everything you did, when you did it." }</p>
                <button type="button" class="primary" onclick={copy_link}>{ "Copy link" }</button>
                if let Some(link) = link {
                    <label class="field">
                        <span role="status" class="copied">{ match copied {
                            Some(true) => "Copied: this run's link is on your clipboard",
                            Some(false) => "Not copied (the browser refused): select the link and copy it",
                            None => "Link to this run",
                        } }</span>
                        <input type="text" readonly=true class="share-link" value={link_to(link)} />
                    </label>
                }
                <div class="row">
                    <button type="button" onclick={save(0)}>{ "Scenario file" }</button>
                    <button type="button" onclick={save(1)}>{ "Summary (JSON)" }</button>
                    <button type="button" onclick={save(2)}>{ "Chart data (CSV)" }</button>
                </div>
                <label class="field">{ "Import a scenario file" }
                    <input type="file" accept=".txt,text/plain" {onchange} />
                </label>
            </div>
        </details>
    }
}
