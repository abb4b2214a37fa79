//! Lessons and the knowledge check: the list of lessons, the lesson in progress with its live
//! check, and the questions. The checks and grading live in the model (`sim::lesson`,
//! `sim::quiz`); these panels only show them, each from a small projection of the state (see
//! `pure`), so Yew redraws one only when what it shows changed, and keyboard focus stays put.

use yew::prelude::*;

use super::pure::Panel;
use super::state::Msg;
use super::widgets::button;
use crate::sim::lesson::{LESSONS, Progress, find};
use crate::sim::quiz::{QUESTIONS, score};

/// The lesson in progress: what to try, what to watch, and what the check saw.
#[derive(PartialEq)]
pub struct LessonCard {
    pub on: Callback<Msg>,
    pub lesson: usize,
    /// One explanation per part done.
    pub parts: Vec<String>,
    /// Closing: asking whether to keep the lesson's system or go back to the run before it.
    pub asking: bool,
}

impl LessonCard {
    pub fn of(p: &Progress, asking: bool, on: &Callback<Msg>) -> Self {
        Self {
            on: on.clone(),
            lesson: p.lesson,
            parts: p.parts.clone(),
            asking,
        }
    }
}

impl Panel for LessonCard {
    fn render(&self) -> Html {
        lesson_card(self)
    }
}

fn lesson_card(p: &LessonCard) -> Html {
    let on = &p.on;
    let Some(l) = LESSONS.get(p.lesson) else {
        return Html::default();
    };
    let i = p.lesson;
    let done = p.parts.len() >= l.parts;
    // Each part's explanation as it is done; the part still open waits.
    let mut parts: Vec<Html> = (p.parts.iter().enumerate())
        .map(|(k, text)| {
            let label = if l.parts > 1 {
                format!("Part {} ✓", k + 1)
            } else {
                "Done ✓".into()
            };
            html! {
                <p key={k} class="check" role="status" data-part={(k + 1).to_string()}>
                    <b>{ label }</b>{ " " }{ text.clone() }
                </p>
            }
        })
        .collect();
    // The newest explanation stays in view under the text, which scrolls (see style.css).
    let newest = parts.pop();
    let waiting = (!done).then(|| match p.parts.len() {
        0 => "Waiting for you to try it…".to_string(),
        n => format!("Part {}: waiting for you to try it…", n + 1),
    });
    html! {
        <section class="lesson" aria-label="Lesson" data-lesson={l.id}
                 data-lesson-state={if done { "done" } else { "waiting" }}
                 data-parts-done={p.parts.len().to_string()}>
            <div class="panel-body">
                <h2>{ format!("Lesson {} · {}", i + 1, l.title) }</h2>
                <div class="lesson-text">
                    <p>{ l.idea }</p>
                    <ol>{ for l.steps.iter().map(|s| html! { <li>{ *s }</li> }) }</ol>
                    <p class="hint">{ "Watch: " }{ l.watch }</p>
                    { for parts }
                </div>
                { newest.unwrap_or_default() }
                if let Some(w) = waiting {
                    <p class="check waiting" role="status">{ w }</p>
                }
                if p.asking {
                    <p class="hint asking" role="status">{ "Close the lesson: keep its system running, or go back to your run from before it, as you left it?" }</p>
                }
                <div class="row">
                    if p.asking {
                        { button(on, "Keep this system".into(), "primary", || Msg::Leave(Some(true))) }
                        { button(on, "Back to my run".into(), "", || Msg::Leave(Some(false))) }
                        // Third, where "Close" was (the row's `if` holds its place even when empty),
                        // so Yew patches that button in place: focus stays, a second Enter stays.
                        { button(on, "Stay".into(), "quiet", || Msg::Leave(None)) }
                    } else {
                        { button(on, "Start over".into(), "", move || Msg::Lesson(Some(i))) }
                        if i + 1 < LESSONS.len() {
                            { button(on, "Next lesson".into(), "", move || Msg::Lesson(Some(i + 1))) }
                        }
                        { button(on, "Close".into(), "quiet", || Msg::Lesson(None)) }
                    }
                </div>
            </div>
        </section>
    }
}

/// Every lesson, marked when done.
#[derive(PartialEq)]
pub struct Lessons {
    pub on: Callback<Msg>,
    /// A bit per lesson done.
    pub done: u32,
    pub current: Option<usize>,
}

impl Panel for Lessons {
    fn render(&self) -> Html {
        lessons(self)
    }
}

fn lessons(props: &Lessons) -> Html {
    let (on, done, current) = (&props.on, props.done, props.current);
    let n = (0..LESSONS.len()).filter(|i| done >> i & 1 == 1).count();
    let items = LESSONS.iter().enumerate().map(|(i, l)| {
        let class = match (done >> i & 1 == 1, current == Some(i)) {
            (_, true) => "current",
            (true, _) => "done",
            _ => "",
        };
        html! {
            <li data-lesson={l.id} class={class}>
                { button(on, l.title.into(), "textlink", move || Msg::Lesson(Some(i))) }
            </li>
        }
    });
    html! {
        // Stays open when a lesson starts (folding it under the person's focus would lose the
        // focus and move the card beneath it): the person folds it if they wish.
        <details class="panel lessons" open=true>
            <summary>{ format!("Lessons · {n} of {} done", LESSONS.len()) }</summary>
            <div class="panel-body"><ol>{ for items }</ol></div>
        </details>
    }
}

/// The knowledge check: each question graded as soon as it is answered.
#[derive(PartialEq)]
pub struct Quiz {
    pub on: Callback<Msg>,
    pub answers: Vec<Option<usize>>,
}

impl Panel for Quiz {
    fn render(&self) -> Html {
        quiz(self)
    }
}

fn quiz(props: &Quiz) -> Html {
    let (on, answers) = (&props.on, &props.answers);
    let questions = QUESTIONS.iter().enumerate().map(|(q, question)| {
        let given = answers.get(q).copied().flatten();
        let choices = question.choices.iter().enumerate().map(|(c, text)| {
            let class = match given {
                Some(_) if c == question.answer => "choice right",
                Some(g) if g == c => "choice wrong",
                _ => "choice",
            };
            let on = on.clone();
            let onclick = Callback::from(move |_: MouseEvent| on.emit(Msg::Answer(Some((q, c)))));
            html! {
                <button type="button" {class} aria-pressed={(given == Some(c)).to_string()} {onclick}>
                    { *text }
                </button>
            }
        });
        let lesson = find(question.lesson).unwrap_or(0);
        html! {
            <fieldset data-quiz-question={question.id}>
                <legend>{ question.text }</legend>
                { for choices }
                if let Some(g) = given {
                    <p class="why">
                        <b>{ if g == question.answer { "Right. " } else { "Not quite. " } }</b>
                        { question.why }{ " " }
                        { button(on, "See the lesson".into(), "textlink", move || Msg::Lesson(Some(lesson))) }
                    </p>
                }
            </fieldset>
        }
    });
    html! {
        <details class="panel quiz">
            <summary>{ format!("Knowledge check · {} of {} right", score(answers), QUESTIONS.len()) }</summary>
            <div class="panel-body">
                { for questions }
                { button(on, "Clear answers".into(), "quiet", || Msg::Answer(None)) }
            </div>
        </details>
    }
}
