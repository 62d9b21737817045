//! `kam views` and `kam segments --view NAME`: the book's side of saved views.
//! Team views live in the book (`book::views`); personal ones in the user's
//! config file, which only the CLI process reads: it sends them along
//! (`List { personal }`, `ViewPick::Given`), so the server never opens a
//! user's files.

use super::report;
use super::table::{Column, Table};
use super::{CmdEnv, CmdResult, CommandError};
use crate::book::query::{self, ListQuery};
use crate::book::views::SavedView;
use crate::book::{Book, WriteOp};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The team's side of `kam views`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ViewsCommand {
    /// Team views and the `personal` ones the client read.
    List {
        json: bool,
        personal: Vec<SavedView>,
    },
    Save {
        view: SavedView,
    },
    Delete {
        name: String,
    },
}

/// The view `kam segments --view` applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ViewPick {
    /// A team view by name.
    Named(String),
    /// A personal view, as the client read it.
    Given(SavedView),
}

pub fn views(book: &mut Book, cmd: ViewsCommand, env: &mut dyn CmdEnv) -> CmdResult {
    match cmd {
        ViewsCommand::List { json, personal } => {
            let team = book.team_views()?.views;
            let all: Vec<(&str, &SavedView)> = personal
                .iter()
                .map(|v| ("personal", v))
                .chain(team.iter().map(|v| ("team", v)))
                .collect();
            if json {
                let v: Vec<_> = all
                    .iter()
                    .map(|(scope, v)| {
                        json!({
                            "name": v.name,
                            "scope": scope,
                            "filter": v.filter,
                            "sort": v.sort.label(),
                            "reverse": v.reverse,
                        })
                    })
                    .collect();
                writeln!(env.out(), "{:#}", serde_json::Value::Array(v))?;
                return Ok(());
            }
            if all.is_empty() {
                env.warn("no saved views yet (`kam views save NAME --filter EXPR [--team]`)");
                return Ok(());
            }
            let mut table = Table::new(vec![
                Column::left("NAME"),
                Column::left("SCOPE"),
                Column::left("SORT"),
                Column::left("FILTER").shrinks(1, 10),
            ]);
            for (scope, v) in all {
                let sort = format!("{}{}", v.sort.label(), if v.reverse { " ↑" } else { "" });
                table.push(vec![
                    v.name.clone().into(),
                    scope.into(),
                    sort.into(),
                    v.filter.clone().into(),
                ]);
            }
            let output = env.output();
            write!(env.out(), "{}", table.render(&output))?;
            Ok(())
        }
        ViewsCommand::Save { view } => {
            let name = view.name.clone();
            let op = WriteOp::SaveView {
                name: name.clone(),
                view: Some(view),
            };
            book.execute(op, env.request())?;
            writeln!(env.out(), "saved the team view {name}")?;
            Ok(())
        }
        ViewsCommand::Delete { name } => {
            let op = WriteOp::SaveView {
                name: name.clone(),
                view: None,
            };
            book.execute(op, env.request())?;
            writeln!(env.out(), "deleted the team view {name}")?;
            Ok(())
        }
    }
}

/// The accounts of a view, in its order.
fn view_ids(book: &Book, pick: ViewPick) -> Result<Vec<crate::domain::AccountId>, CommandError> {
    let view = match pick {
        ViewPick::Given(v) => v,
        ViewPick::Named(name) => {
            let team = book.team_views()?;
            team.get(&name).cloned().ok_or_else(|| {
                CommandError::invalid(format!(
                    "no view '{name}' (team views: {}; personal ones are in your config, \
                     `kam views` lists both)",
                    team.names()
                ))
            })?
        }
    };
    let q = ListQuery {
        filter: view.filter.clone(),
        sort: view.sort,
        reverse: view.reverse,
        ..ListQuery::default()
    };
    let page = query::list(book, &q).map_err(|e| match e {
        query::ListError::Filter(m) => {
            CommandError::invalid(format!("view '{}': filter: {m}", view.name))
        }
        query::ListError::Book(b) => b.into(),
    })?;
    Ok(page.rows.into_iter().map(|r| r.id).collect())
}

/// `kam segments [--view NAME]`.
pub fn segments(
    book: &mut Book,
    json: bool,
    view: Option<ViewPick>,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let ids = match view {
        Some(pick) => Some(view_ids(book, pick)?),
        None => None,
    };
    let lookup = super::report::Labels::of(book)?;
    if json {
        super::segments_json::write(book.engine(), &lookup, ids.as_deref(), env.out())?;
    } else {
        let output = env.output();
        let t = report::segments_text_of(book.engine(), &lookup, ids.as_deref(), &output);
        write!(env.out(), "{t}")?;
    }
    Ok(())
}
