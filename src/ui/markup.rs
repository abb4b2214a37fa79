//! Static, non-interactive SVG (charts, the waterfall's bars) is built as markup strings rather than
//! `html!` trees: each `html!` element costs the page hundreds of bytes of code, a string costs its
//! text. Only our own words and the model's numbers go in, escaped where not constant.

/// `text` safe inside markup.
pub fn esc(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}
