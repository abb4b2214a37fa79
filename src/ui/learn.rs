//! Lessons and the knowledge check: the list of lessons, the lesson in progress with its live
//! check, and the questions. The checks and grading live in the model (`sim::lesson`,
//! `sim::quiz`); this only shows them, as markup built from our own words (see `markup`).

use std::fmt::Write;

use yew::prelude::*;

use super::markup::{active, esc};
use super::state::Msg;
use crate::sim::lesson::{LESSONS, Progress, find};
use crate::sim::quiz::{QUESTIONS, score};

/// The lesson in progress: what to try, what to watch, and what the check saw.
pub(super) fn lesson_card(on: &Callback<Msg>, p: &Progress) -> Html {
    let Some(l) = LESSONS.get(p.lesson) else {
        return Html::default();
    };
    let i = p.lesson;
    let mut o = String::new();
    let _ = write!(
        o,
        "<h2>Lesson {} · {}</h2><p>{}</p><ol>",
        i + 1,
        l.title,
        l.idea
    );
    for s in l.steps {
        let _ = write!(o, "<li>{s}</li>");
    }
    let _ = write!(o, "</ol><p class=\"hint\">Watch: {}</p>", l.watch);
    // Each part's explanation as it is done; the part still open waits.
    for (k, text) in p.parts.iter().enumerate() {
        let label = if l.parts > 1 {
            format!("Part {} ✓", k + 1)
        } else {
            "Done ✓".into()
        };
        let _ = write!(
            o,
            "<p class=\"check\" role=\"status\" data-part=\"{}\"><b>{label}</b> {}</p>",
            k + 1,
            esc(text)
        );
    }
    if !p.done() {
        let waiting = if p.parts.is_empty() {
            "Waiting for you to try it…".to_string()
        } else {
            format!("Part {}: waiting for you to try it…", p.parts.len() + 1)
        };
        let _ = write!(
            o,
            "<p class=\"check waiting\" role=\"status\">{waiting}</p>"
        );
    }
    let _ = write!(
        o,
        "<div class=\"row\"><button type=\"button\" data-go=\"l{i}\">Start over</button>"
    );
    if i + 1 < LESSONS.len() {
        let _ = write!(
            o,
            "<button type=\"button\" data-go=\"l{}\">Next lesson</button>",
            i + 1
        );
    }
    o.push_str("<button type=\"button\" class=\"quiet\" data-go=\"lx\">Close</button></div>");
    let state = if p.done() { "done" } else { "waiting" };
    html! {
        <section class="lesson" aria-label="Lesson" data-lesson={l.id} data-lesson-state={state}
                 data-parts-done={p.parts.len().to_string()}>
            { active(on, "panel-body", o) }
        </section>
    }
}

/// Every lesson, marked when done.
pub(super) fn lessons(on: &Callback<Msg>, done: u32, current: Option<usize>) -> Html {
    let n = (0..LESSONS.len()).filter(|i| done >> i & 1 == 1).count();
    let mut o = String::from("<ol>");
    for (i, l) in LESSONS.iter().enumerate() {
        let class = match (done >> i & 1 == 1, current == Some(i)) {
            (_, true) => " class=\"current\"",
            (true, _) => " class=\"done\"",
            _ => "",
        };
        let _ = write!(
            o,
            "<li data-lesson=\"{}\"{class}><button type=\"button\" class=\"textlink\" data-go=\"l{i}\">{}</button></li>",
            l.id, l.title
        );
    }
    o.push_str("</ol>");
    html! {
        <details class="panel lessons" open={current.is_none()}>
            <summary>{ format!("Lessons · {n} of {} done", LESSONS.len()) }</summary>
            { active(on, "panel-body", o) }
        </details>
    }
}

/// The knowledge check: each question graded as soon as it is answered.
pub(super) fn quiz(on: &Callback<Msg>, answers: &[Option<usize>]) -> Html {
    let mut o = String::new();
    for (q, question) in QUESTIONS.iter().enumerate() {
        let given = answers.get(q).copied().flatten();
        let _ = write!(
            o,
            "<fieldset data-quiz-question=\"{}\"><legend>{}</legend>",
            question.id, question.text
        );
        for (c, text) in question.choices.iter().enumerate() {
            let class = match given {
                Some(_) if c == question.answer => "choice right",
                Some(g) if g == c => "choice wrong",
                _ => "choice",
            };
            let _ = write!(
                o,
                "<button type=\"button\" class=\"{class}\" aria-pressed=\"{}\" data-go=\"a{q}.{c}\">{text}</button>",
                given == Some(c)
            );
        }
        if let Some(g) = given {
            let _ = write!(
                o,
                "<p class=\"why\"><b>{}</b>{} <button type=\"button\" class=\"textlink\" data-go=\"l{}\">See the lesson</button></p>",
                if g == question.answer {
                    "Right. "
                } else {
                    "Not quite. "
                },
                question.why,
                find(question.lesson).unwrap_or(0)
            );
        }
        o.push_str("</fieldset>");
    }
    o.push_str("<button type=\"button\" class=\"quiet\" data-go=\"ac\">Clear answers</button>");
    html! {
        <details class="panel quiz">
            <summary>{ format!("Knowledge check · {} of {} right", score(answers), QUESTIONS.len()) }</summary>
            { active(on, "panel-body", o) }
        </details>
    }
}
