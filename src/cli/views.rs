//! `kam views` on the client: personal views are the user's config file
//! (`paths::user_views`), read and written here, never by the server (which
//! may run as another user); team views are book commands.

use super::args::ViewsCommand;
use super::{Context, book_command};
use crate::book::query::SortKey;
use crate::book::query::filter::{Filter, Vocab};
use crate::book::views::{SavedView, ViewSet, check_name};
use crate::commands::views::{ViewPick, ViewsCommand as BookViews};
use crate::commands::{CmdResult, Command, CommandError};
use std::io::Write;
use std::path::PathBuf;

fn path() -> Result<PathBuf, CommandError> {
    crate::paths::user_views().ok_or_else(|| {
        CommandError::failed("no config directory for personal views (set XDG_CONFIG_HOME)")
    })
}

fn personal() -> Result<ViewSet, CommandError> {
    ViewSet::read_file(&path()?).map_err(CommandError::invalid)
}

pub fn command(ctx: &Context, action: ViewsCommand, out: &mut dyn Write) -> CmdResult {
    match action {
        ViewsCommand::List { json } => {
            let personal = personal()?.views;
            book_command(ctx, Command::Views(BookViews::List { json, personal }), out)
        }
        ViewsCommand::Save {
            name,
            filter,
            sort,
            reverse,
            team,
        } => {
            let name = check_name(&name).map_err(CommandError::invalid)?;
            let sort = SortKey::parse(&sort).ok_or_else(|| {
                let known: Vec<&str> = SortKey::ALL.iter().map(|k| k.label()).collect();
                CommandError::invalid(format!("unknown sort '{sort}' (use {})", known.join(", ")))
            })?;
            let view = SavedView {
                name: name.clone(),
                filter: crate::domain::text::clean_line(&filter),
                sort,
                reverse,
            };
            if team {
                return book_command(ctx, Command::Views(BookViews::Save { view }), out);
            }
            // Tiers are the book's; the rest of the filter is checked here.
            Filter::parse(&view.filter, Vocab::default())
                .map_err(|e| CommandError::invalid(format!("filter: {e}")))?;
            let path = path()?;
            let mut set = ViewSet::read_file(&path).map_err(CommandError::invalid)?;
            set.upsert(view);
            set.write_file(&path).map_err(CommandError::failed)?;
            writeln!(out, "saved the personal view {name} ({})", path.display())?;
            Ok(())
        }
        ViewsCommand::Delete { name, team } => {
            let path = path()?;
            let mut set = ViewSet::read_file(&path).map_err(CommandError::invalid)?;
            if !team && set.remove(&name) {
                set.write_file(&path).map_err(CommandError::failed)?;
                writeln!(out, "deleted the personal view {name}")?;
                return Ok(());
            }
            book_command(ctx, Command::Views(BookViews::Delete { name }), out)
        }
    }
}

/// `segments --view NAME`: a personal view of that name is sent whole (it
/// comes before a team view of the same name).
pub fn resolve(cmd: Command) -> Result<Command, CommandError> {
    match cmd {
        Command::Segments {
            json,
            view: Some(ViewPick::Named(name)),
        } => {
            // Without a config directory there are no personal views.
            let mine = match crate::paths::user_views() {
                Some(p) => ViewSet::read_file(&p).map_err(CommandError::invalid)?,
                None => ViewSet::default(),
            };
            let view = match mine.get(&name) {
                Some(v) => ViewPick::Given(v.clone()),
                None => ViewPick::Named(name),
            };
            Ok(Command::Segments {
                json,
                view: Some(view),
            })
        }
        other => Ok(other),
    }
}
