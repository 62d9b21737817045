//! The review mode: one account due for review at a time ("3 of 17"), its
//! move (from → to) and why, and the reviewer's decision — confirm, pin
//! with a reason, unpin, open the account, or skip — then a summary, where
//! enter records the review. Pins and unpins are written as they are
//! decided; confirmations are recorded with the finish (`FinishReview`).

use super::super::app::State;
use super::super::effect::Effect;
use super::super::input::LineEdit;
use super::super::keymap::Action;
use super::super::panes::block;
use super::super::state::Tone;
use super::super::text::{fit, safe, wrap};
use super::centered;
use super::keys::{Reply, Then};
use crate::book::review::{ReviewItem, ReviewTally};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

/// A review in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRun {
    pub items: Vec<ReviewItem>,
    /// The item shown; `items.len()` is the summary.
    pub at: usize,
    pub tally: ReviewTally,
    /// Keys of the confirmed accounts.
    pub confirmed: Vec<String>,
    /// The reason being typed for a pin.
    pub reason: Option<LineEdit>,
}

impl ReviewRun {
    pub fn new(items: Vec<ReviewItem>) -> ReviewRun {
        ReviewRun {
            items,
            at: 0,
            tally: ReviewTally::default(),
            confirmed: Vec::new(),
            reason: None,
        }
    }

    pub fn current(&self) -> Option<&ReviewItem> {
        self.items.get(self.at)
    }

    /// The tier a pin holds the account at: where it was before it moved,
    /// or where its old pin holds it.
    pub fn pin_tier(item: &ReviewItem) -> String {
        item.from.clone().unwrap_or_else(|| item.to.clone())
    }

    fn next(&mut self) -> Reply {
        self.at += 1;
        Reply::default()
    }

    /// Handles one action; `Then::Effect` carries the write it decided.
    pub fn handle(&mut self, action: Action) -> Reply {
        if let Some(reason) = &self.reason {
            return match action {
                Action::Cancel => {
                    self.reason = None;
                    Reply::default()
                }
                Action::Accept => {
                    let text = reason.text().trim().to_string();
                    if text.is_empty() {
                        return say(Tone::Error, "A pin needs a reason");
                    }
                    self.reason = None;
                    let Some(item) = self.current().cloned() else {
                        return Reply::default();
                    };
                    self.tally.pinned += 1;
                    let mut r = self.next();
                    r.then = Some(Then::Effect(Effect::ReviewPin {
                        tier: ReviewRun::pin_tier(&item),
                        key: item.key,
                        reason: text,
                    }));
                    r
                }
                _ => Reply::default(),
            };
        }
        if action == Action::Cancel {
            return Reply {
                close: true,
                say: Some((Tone::Info, "Review left; nothing recorded".into())),
                then: None,
            };
        }
        let Some(item) = self.current().cloned() else {
            // The summary: enter records the review.
            return match action {
                Action::Yes => Reply {
                    close: true,
                    say: None,
                    then: Some(Then::Effect(Effect::FinishReview {
                        confirmed: self.confirmed.clone(),
                        tally: self.tally.clone(),
                    })),
                },
                _ => Reply::default(),
            };
        };
        match action {
            Action::ReviewConfirm => {
                self.tally.confirmed += 1;
                self.confirmed.push(item.key);
                self.next()
            }
            Action::ReviewSkip => {
                self.tally.skipped += 1;
                self.next()
            }
            Action::ReviewPin => {
                let reason = item.old_pin.map(|p| p.reason).unwrap_or_default();
                self.reason = Some(LineEdit::new(&reason));
                Reply::default()
            }
            Action::ReviewUnpin => {
                if !item.pinned {
                    return say(Tone::Info, format!("{} is not pinned", item.key));
                }
                self.tally.unpinned += 1;
                let mut r = self.next();
                r.then = Some(Then::Effect(Effect::ReviewUnpin { key: item.key }));
                r
            }
            // The review waits in the background while the account is open.
            Action::Open => Reply {
                close: true,
                say: None,
                then: Some(Then::Select(item.account)),
            },
            _ => Reply::default(),
        }
    }
}

fn say(tone: Tone, text: impl Into<String>) -> Reply {
    Reply {
        say: Some((tone, text.into())),
        ..Reply::default()
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &State, run: &ReviewRun) {
    let theme = &state.theme;
    let r = centered(area, 76, area.height.saturating_sub(4).min(14));
    f.render_widget(Clear, r);
    let n = run.items.len();
    let title = match run.current() {
        Some(_) => format!("Review · {} of {n}", run.at + 1),
        None => format!("Review · done ({n})"),
    };
    let b = block(title, true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match run.current() {
        Some(item) => {
            lines.push(Line::styled(
                fit(
                    &format!(
                        "{}  {}  · {}",
                        safe(&item.key),
                        safe(&item.name),
                        safe(&item.owner)
                    ),
                    w,
                ),
                theme.selected(),
            ));
            if let Some(from) = &item.from {
                lines.push(Line::raw(fit(
                    &format!("tier moved: {} → {}", safe(from), safe(&item.to)),
                    w,
                )));
            }
            if let Some(p) = &item.old_pin {
                lines.push(Line::raw(fit(
                    &format!(
                        "pinned to {} since {} by {}: {}",
                        safe(&p.tier),
                        p.at,
                        safe(&p.by),
                        safe(&p.reason)
                    ),
                    w,
                )));
            }
            lines.push(Line::styled("why:", theme.dim()));
            for reason in &item.why {
                for l in wrap(&format!("· {}", safe(reason)), w) {
                    lines.push(Line::raw(l));
                }
            }
        }
        None => {
            let t = &run.tally;
            lines.push(Line::raw(fit(
                &format!(
                    "{} confirmed · {} pinned · {} unpinned · {} skipped",
                    t.confirmed, t.pinned, t.unpinned, t.skipped
                ),
                w,
            )));
            if n == 0 {
                lines.push(Line::styled(
                    "Nothing moved and no pin is due: recording sets the new baseline.",
                    theme.dim(),
                ));
            }
            lines.push(Line::styled(
                fit("enter: record the review · esc: leave without recording", w),
                theme.dim(),
            ));
        }
    }
    let reason_h = u16::from(run.reason.is_some());
    let body = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        inner.height.saturating_sub(reason_h),
    );
    f.render_widget(Paragraph::new(lines), body);
    if let (Some(reason), Some(item)) = (&run.reason, run.current())
        && inner.height > 0
    {
        let y = inner.y + inner.height - 1;
        let prompt = format!("pin at {} because: ", ReviewRun::pin_tier(item));
        let text = safe(reason.text());
        let shown = fit(&format!("{prompt}{text}"), w);
        f.render_widget(
            Paragraph::new(Line::raw(shown)),
            Rect::new(inner.x, y, inner.width, 1),
        );
        let before: String = text.chars().take(reason.cursor()).collect();
        let x = (super::super::text::width(&prompt) + super::super::text::width(&before))
            .min(w.saturating_sub(1)) as u16;
        f.set_cursor_position(Position::new(inner.x + x, y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountId;

    fn item(key: &str, from: Option<&str>, pinned: bool) -> ReviewItem {
        ReviewItem {
            account: AccountId(1),
            key: key.into(),
            name: key.into(),
            owner: "li".into(),
            from: from.map(str::to_string),
            to: "Key".into(),
            old_pin: None,
            pinned,
            why: vec![],
        }
    }

    fn effect(r: Reply) -> Option<Effect> {
        match r.then {
            Some(Then::Effect(e)) => Some(e),
            _ => None,
        }
    }

    #[test]
    fn a_pin_needs_a_reason_and_holds_the_tier_before_the_move() {
        let mut run = ReviewRun::new(vec![item("A", Some("Development"), false)]);
        assert!(effect(run.handle(Action::ReviewPin)).is_none());
        let r = run.handle(Action::Accept);
        assert!(
            r.say.is_some() && run.reason.is_some(),
            "empty reason refused"
        );
        run.reason.as_mut().unwrap().paste("one-off");
        let e = effect(run.handle(Action::Accept));
        assert_eq!(
            e,
            Some(Effect::ReviewPin {
                key: "A".into(),
                tier: "Development".into(),
                reason: "one-off".into()
            })
        );
        assert_eq!((run.at, run.tally.pinned), (1, 1));
    }

    #[test]
    fn unpin_only_a_pinned_account_and_finish_only_at_the_summary() {
        let mut run = ReviewRun::new(vec![item("A", Some("B"), false), item("P", None, true)]);
        let r = run.handle(Action::ReviewUnpin);
        assert!(r.say.is_some() && run.at == 0, "A is not pinned");
        assert!(
            effect(run.handle(Action::Yes)).is_none(),
            "not finished yet"
        );
        run.handle(Action::ReviewConfirm);
        assert_eq!(
            effect(run.handle(Action::ReviewUnpin)),
            Some(Effect::ReviewUnpin { key: "P".into() })
        );
        match effect(run.handle(Action::Yes)) {
            Some(Effect::FinishReview { confirmed, tally }) => {
                assert_eq!(confirmed, vec!["A".to_string()]);
                assert_eq!((tally.confirmed, tally.unpinned, tally.items()), (1, 1, 2));
            }
            other => panic!("{other:?}"),
        }
    }
}
