//! A text table that fits the client's terminal: columns as wide as their
//! content, the ones that may shrink cut with "…" (in display cells, so CJK
//! counts double) in a fixed order until the line fits. Keys, tiers and
//! numbers never shrink: a cut key or amount would be wrong, not short.

use super::Output;
use crate::domain::Money;
use crate::domain::text::{fit, width};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Column {
    title: &'static str,
    align: Align,
    /// (order, narrowest): lower orders shrink first; None never shrinks.
    shrink: Option<(u8, usize)>,
}

impl Column {
    pub fn left(title: &'static str) -> Column {
        Column {
            title,
            align: Align::Left,
            shrink: None,
        }
    }

    pub fn right(title: &'static str) -> Column {
        Column {
            title,
            align: Align::Right,
            shrink: None,
        }
    }

    /// May be cut down to `min` cells; columns with a lower `order` first.
    /// A `min` of 0 lets the column go entirely on a narrow terminal.
    pub fn shrinks(mut self, order: u8, min: usize) -> Column {
        self.shrink = Some((order, min));
        self
    }
}

/// One cell: its text and an optional ANSI style (SGR parameters).
pub struct Cell {
    text: String,
    style: Option<&'static str>,
}

impl Cell {
    pub fn styled(text: impl Into<String>, style: Option<&'static str>) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Cell {
        Cell::styled(t, None)
    }
}

const GAP: usize = 2;

pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// The column widths for a line of at most `limit` cells.
    fn widths(&self, limit: Option<usize>) -> Vec<usize> {
        let mut w: Vec<usize> = self.columns.iter().map(|c| width(c.title)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                w[i] = w[i].max(width(&cell.text));
            }
        }
        let Some(limit) = limit else { return w };
        let mut total = w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
        let mut order: Vec<(u8, usize, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.shrink.map(|(o, min)| (o, i, min)))
            .collect();
        order.sort();
        for (_, i, min) in order {
            if total <= limit {
                break;
            }
            let mut cut = w[i].saturating_sub(min).min(total - limit);
            // A column that may go goes rather than show two cells of "x…".
            if min == 0 && w[i] - cut < 4 {
                cut = w[i];
            }
            w[i] -= cut;
            total -= cut;
            if w[i] == 0 {
                // A column shrunk to nothing is left out, its gap too.
                total = total.saturating_sub(GAP);
            }
        }
        w
    }

    /// The table as lines, header first, no trailing spaces.
    pub fn render(&self, output: &Output) -> String {
        let w = self.widths(output.width.map(usize::from));
        let mut out = String::new();
        let header: Vec<Cell> = self.columns.iter().map(|c| Cell::from(c.title)).collect();
        for row in std::iter::once(&header).chain(self.rows.iter()) {
            let mut line = String::new();
            let mut first = true;
            for (i, cell) in row.iter().enumerate() {
                if w[i] == 0 {
                    continue;
                }
                if !first {
                    line.push_str(&" ".repeat(GAP));
                }
                first = false;
                let text = fit(&cell.text, w[i]);
                let pad = " ".repeat(w[i].saturating_sub(width(&text)));
                let text = match (cell.style, output.color) {
                    (Some(sgr), true) => format!("\x1b[{sgr}m{text}\x1b[0m"),
                    _ => text,
                };
                match self.columns[i].align {
                    Align::Left => {
                        line.push_str(&text);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(&text);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Money for people: thousands grouped, `32,502,707.43` (CSV and JSON keep
/// the plain `32502707.43`).
pub fn money(m: Money) -> String {
    group_thousands(&m.to_string())
}

/// Groups the digits before the decimal point of a plain number in threes.
pub fn group_thousands(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (units, frac) = match rest.split_once('.') {
        Some((u, f)) => (u, Some(f)),
        None => (rest, None),
    };
    if !units.chars().all(|c| c.is_ascii_digit()) {
        return plain.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Amounts inside a sentence (`overdue receivables 32502707.43 (oldest 40
/// days)`) grouped for people: every standalone number with two decimals.
/// The engine writes such sentences once, for JSON as for text; only text
/// output passes them through here.
pub fn group_amounts(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        let standalone = prev.is_none_or(|p| !(p.is_alphanumeric() || p == '.' || p == ','));
        if c.is_ascii_digit() && standalone {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
                .unwrap_or(rest.len());
            let (num, after) = rest.split_at(end);
            let next_ok = after.chars().next().is_none_or(|n| !n.is_alphanumeric());
            let amount = num
                .split_once('.')
                .is_some_and(|(u, f)| f.len() == 2 && !f.contains('.') && !u.is_empty());
            if amount && next_ok {
                out.push_str(&group_thousands(num));
            } else {
                out.push_str(num);
            }
            prev = num.chars().last();
            rest = after;
            continue;
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_sentences_are_grouped_and_nothing_else() {
        assert_eq!(
            group_amounts("overdue receivables 32502707.43 (oldest 40 days)"),
            "overdue receivables 32,502,707.43 (oldest 40 days)"
        );
        assert_eq!(group_amounts("-1234.50 due"), "-1,234.50 due");
        // Dates, versions, counts, keys and amounts already grouped stay.
        for same in [
            "due 2025-03-01",
            "kam 0.1.0",
            "orders 12345 in 90 days",
            "K12345.67x",
            "ACC1234.56",
            "1,234.50",
            "999.99",
        ] {
            assert_eq!(group_amounts(same), same);
        }
    }

    fn table() -> Table {
        let mut t = Table::new(vec![
            Column::left("KEY"),
            Column::left("NAME").shrinks(1, 6),
            Column::left("REGION").shrinks(2, 4),
            Column::right("REVENUE"),
        ]);
        t.push(vec![
            "K1".into(),
            "华为技术有限公司深圳分公司".into(),
            "Guangdong".into(),
            money(Money::from_cents(3_250_270_743)).into(),
        ]);
        t.push(vec![
            "K22".into(),
            "Acme".into(),
            "Bavaria".into(),
            money(Money::from_cents(-5)).into(),
        ]);
        t
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(Money::from_cents(3_250_270_743)), "32,502,707.43");
        assert_eq!(money(Money::from_cents(100_000)), "1,000.00");
        assert_eq!(money(Money::from_cents(99_999)), "999.99");
        assert_eq!(money(Money::from_cents(-123_456_789)), "-1,234,567.89");
        assert_eq!(money(Money::from_cents(-5)), "-0.05");
    }

    #[test]
    fn unlimited_width_keeps_everything() {
        let s = table().render(&Output::default());
        assert!(s.contains("华为技术有限公司深圳分公司") && s.contains("Guangdong"));
        assert!(!s.contains('…'));
    }

    #[test]
    fn narrow_width_cuts_name_first_with_an_ellipsis() {
        let t = table();
        let full = t.widths(None);
        let natural = full.iter().sum::<usize>() + GAP * 3;
        // Four cells too many: only the name gives them up.
        let out = t.render(&Output {
            width: Some((natural - 4) as u16),
            color: false,
        });
        assert!(out.contains('…') && out.contains("Guangdong"));
        for line in out.lines() {
            assert!(width(line) <= natural - 4, "{line}");
        }
        // Very narrow: name and region at their minimum, key and amounts whole.
        let out = t.render(&Output {
            width: Some(20),
            color: false,
        });
        assert!(out.contains("32,502,707.43") && out.contains("K22"));
        assert!(out.contains("华为…") && out.contains("Gua…"));
    }

    #[test]
    fn a_column_that_may_vanish_goes_with_its_gap() {
        let mut t = Table::new(vec![
            Column::left("KEY"),
            Column::left("FLAGS").shrinks(1, 0),
        ]);
        t.push(vec!["K1".into(), "declining".into()]);
        let out = t.render(&Output {
            width: Some(4),
            color: false,
        });
        assert_eq!(out, "KEY\nK1\n");
    }

    #[test]
    fn colour_only_when_asked() {
        let mut t = Table::new(vec![Column::left("TIER"), Column::left("X")]);
        t.push(vec![Cell::styled("Key", Some("1;32")), "x".into()]);
        let plain = t.render(&Output::default());
        assert!(!plain.contains('\x1b'));
        let coloured = t.render(&Output {
            width: None,
            color: true,
        });
        assert!(coloured.contains("\x1b[1;32mKey\x1b[0m"));
        // Padding stays outside the colour, so columns still line up.
        assert_eq!(coloured.lines().nth(1).unwrap(), "\x1b[1;32mKey\x1b[0m   x");
    }
}
