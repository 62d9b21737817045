//! Command-line twins of every view: import, export, demo data, reports.
//! `run` dispatches a parsed command line; each command prints its result to
//! stdout and its errors to stderr, with a meaningful exit code.

pub mod args;
mod args_team;
mod editor;
mod fresh;
mod model_edit;
mod to_command;
mod views;

use crate::book::{Book, Prepare};
use crate::clock::Clock;
use crate::commands::{self, CmdResult, CommandError, ErrorKind};
use crate::demo::DemoParams;
use crate::store::Store;
use args::{Cli, KeymapCommand, LocalCommand, ServerCommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes (documented in README): scripts can tell a bad input from a
/// database that cannot be opened. Only the CLI turns errors into codes.
pub mod exit {
    use crate::commands::ErrorKind;

    pub const OK: u8 = 0;
    /// Runtime failure (I/O, write error).
    pub const FAILURE: u8 = 1;
    /// Command-line usage error (clap's own code).
    pub const USAGE: u8 = 2;
    /// The input was rejected: bad CSV rows, invalid model or keymap, unknown key.
    pub const INVALID_INPUT: u8 = 3;
    /// The database cannot be opened: damaged, foreign, locked, or newer.
    pub const DATABASE: u8 = 4;

    /// The exit code of a failed command.
    pub fn code(kind: ErrorKind) -> u8 {
        match kind {
            ErrorKind::Failed => FAILURE,
            ErrorKind::Usage => USAGE,
            ErrorKind::Invalid => INVALID_INPUT,
            ErrorKind::Database => DATABASE,
            ErrorKind::Quiet => OK,
        }
    }
}

/// Runs the parsed command line.
/// glibc gives threads their own heap arenas (up to 8 per core) and never
/// hands memory freed in one to another: the server's per-client threads
/// and the book's parallel reads kept ~125 MB more resident at 100k
/// accounts. Two arenas keep the parallel parts from contending on one.
fn fewer_heap_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator, under the
    // allocator's own lock; arenas already made stay valid.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

pub fn run(cli: Cli) -> ExitCode {
    // Readable reports for an unexpected error or panic. The TUI chains its
    // terminal-restoring hook in front of this one (tui::runner::run), so
    // the report prints on a restored screen. A second install (a test
    // calling run twice) keeps the first.
    let _ = color_eyre::install();
    fewer_heap_arenas();
    match dispatch(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            // Not eprintln!: it panics when stderr is gone (a closed terminal).
            if !e.message.is_empty() {
                let _ = writeln!(std::io::stderr(), "kam: {}", e.message);
            }
            ExitCode::from(exit::code(e.kind))
        }
    }
}

/// What every command needs to know: which database, which day, who.
pub struct Context {
    pub db: PathBuf,
    pub clock: Clock,
    pub user: String,
    /// `--as-of` / `KAM_TODAY` as given (None: the local date).
    pub as_of: Option<String>,
    /// `--no-server`: open the database in this process.
    pub no_server: bool,
    /// Width and colour of this process's stdout, for text the server renders.
    pub output: commands::Output,
    /// `--quiet`: no progress bars.
    pub quiet: bool,
}

impl Context {
    pub fn from_args(cli: &Cli) -> Result<Context, CommandError> {
        let as_of = cli.as_of.clone().or_else(|| env_value("KAM_TODAY"));
        let clock = Clock::from_override(as_of.as_deref())
            .map_err(|e| CommandError::new(ErrorKind::Usage, e))?;
        let env_db = env_value("KAM_DB").map(PathBuf::from);
        let no_server = cli.no_server || env_flag("KAM_NO_SERVER")?;
        let db = match (cli.db.as_ref().or(env_db.as_ref()), cli.demo) {
            (Some(db), _) => Some(db.clone()),
            (None, true) => crate::paths::demo_db(),
            (None, false) => crate::paths::default_db(),
        }
        .ok_or_else(|| {
            CommandError::new(
                ErrorKind::Failed,
                "cannot find a home directory; pass --db DIR",
            )
        })?;
        Ok(Context {
            db,
            clock,
            user: crate::identity::current_user(),
            as_of: as_of.filter(|s| !s.trim().is_empty()),
            no_server,
            output: output_options(cli.color),
            quiet: cli.quiet,
        })
    }

    /// Where this process finds (or starts) the database's server.
    pub fn endpoint(&self) -> Result<crate::server::spawn::Endpoint, CommandError> {
        let exe = std::env::current_exe().map_err(|e| {
            CommandError::new(
                ErrorKind::Failed,
                format!("cannot find the kam binary: {e}"),
            )
        })?;
        Ok(crate::server::spawn::Endpoint {
            db: self.db.clone(),
            as_of_arg: self.as_of.clone(),
            exe,
        })
    }

    /// How this process introduces itself to the server.
    pub fn hello(&self, subscribe: bool) -> crate::server::client::ClientHello {
        crate::server::client::ClientHello {
            as_of: self.clock.today(),
            pinned: self.as_of.is_some(),
            client_id: crate::server::client::new_client_id(),
            subscribe,
        }
    }

    pub fn store(&self) -> Result<Store, CommandError> {
        let opts = crate::store::OpenOptions {
            on_upgrade: Some(|note| eprintln!("kam: {note}")),
            ..Default::default()
        };
        Ok(Store::open_with(&self.db, &opts)?)
    }

    pub fn book(&self) -> Result<Book, CommandError> {
        self.book_for(Prepare::Scores)
    }

    /// The book, with what `prepare` names made ready (a TUI: its rows).
    pub fn book_for(&self, prepare: Prepare) -> Result<Book, CommandError> {
        Ok(Book::open_with(
            self.store()?,
            self.clock,
            &self.user,
            prepare,
        )?)
    }
}

/// The client's output options. Width: the terminal's (`$COLUMNS` if the
/// size cannot be read, else 80); piped, `$COLUMNS` if set, else no limit
/// (scripts get whole lines; `COLUMNS=$(tput cols) kam … | less` fits).
/// Colour: `--color`, where `auto` is a terminal without `NO_COLOR`.
fn output_options(color: args::ColorChoice) -> commands::Output {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal();
    let columns = env_value("COLUMNS").and_then(|c| c.trim().parse::<u16>().ok());
    let width = if tty {
        terminal_width().or(columns).or(Some(80))
    } else {
        columns
    };
    let color = match color {
        args::ColorChoice::Always => true,
        args::ColorChoice::Never => false,
        args::ColorChoice::Auto => {
            tty && env_value("NO_COLOR").is_none() && env_value("TERM").as_deref() != Some("dumb")
        }
    };
    commands::Output {
        width: width.filter(|w| *w > 0),
        color,
    }
}

/// The width of the terminal on stdout (TIOCGWINSZ).
fn terminal_width() -> Option<u16> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize we own; fd 1 is only queried.
    let r = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_col > 0).then_some(ws.ws_col)
}

/// An environment variable that is set and not empty.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A yes/no environment variable: 1/yes/on/true or 0/no/off/false (unset
/// or empty: no).
fn env_flag(name: &str) -> Result<bool, CommandError> {
    let Some(v) = env_value(name) else {
        return Ok(false);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "y" | "yes" | "on" | "t" | "true" => Ok(true),
        "0" | "n" | "no" | "off" | "f" | "false" => Ok(false),
        _ => Err(CommandError::new(
            ErrorKind::Usage,
            format!("{name}='{v}': expected 1/yes/on/true or 0/no/off/false"),
        )),
    }
}

fn dispatch(cli: Cli) -> CmdResult {
    if cli.agenda && cli.command.is_some() {
        return Err(CommandError::new(
            ErrorKind::Usage,
            "--agenda starts the TUI on the agenda and takes no command \
             (for the agenda as text: `kam agenda`)",
        ));
    }
    let ctx = Context::from_args(&cli)?;
    let out = &mut std::io::stdout().lock();
    let Some(mut cmd) = cli.command else {
        return open_tui(&ctx, cli.demo, cli.agenda);
    };
    editor::ask_missing_message(&mut cmd)?;
    match cmd.into_book_command() {
        Err(LocalCommand::Keymap(action)) => keymap_command(action, out),
        Err(LocalCommand::Completions(shell)) => {
            // Into a buffer: clap_complete panics on a failed write,
            // and `kam completions bash | head` must end quietly.
            let mut script = Vec::new();
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "kam", &mut script);
            out.write_all(&script)?;
            Ok(())
        }
        Err(LocalCommand::Man) => man_page(out),
        Err(LocalCommand::ModelEdit) => model_edit::model_edit(&ctx, out),
        Err(LocalCommand::Backup(file)) => backup_command(&ctx, &file, out),
        Err(LocalCommand::Restore(file)) => {
            let team = crate::server::is_team_dir(&ctx.db)
                || ctx.db.parent().is_some_and(crate::server::is_team_dir);
            // Local, like the files it writes: the bar is drawn here.
            let mut view = commands::output::ProgressView::stderr(ctx.quiet);
            let result =
                commands::backup::restore(&file, &ctx.db, team, out, &mut |p| view.show(&p));
            view.finish();
            result
        }
        Err(LocalCommand::Serve) => serve(&ctx),
        Err(LocalCommand::Server(action)) => server_command(&ctx, action, out),
        Err(LocalCommand::Views(action)) => views::command(&ctx, action, out),
        Ok(commands::Command::Check) => check_command(&ctx, out),
        Ok(cmd) => book_command(&ctx, views::resolve(cmd)?, out),
    }
}

/// A command on the book: in this process with `--no-server`, else on the
/// database's server.
fn book_command(ctx: &Context, cmd: commands::Command, out: &mut dyn Write) -> CmdResult {
    if db_missing(&ctx.db) && !commands::may_create_book(&cmd) {
        return Err(CommandError::database(format!(
            "there is no kam database at {}; check --db / KAM_DB \
             (`kam demo` or `kam import` starts a new one there)",
            ctx.db.display()
        )));
    }
    let fresh = fresh::Fresh::note(&ctx.db);
    if ctx.no_server {
        let result = ctx.book().and_then(|mut book| {
            let env = &mut commands::LocalEnv::with(out, ctx.output, ctx.quiet);
            let result = commands::execute(cmd, &mut book, env);
            book.close_for_exit();
            result
        });
        if let (Err(_), Some(fresh)) = (&result, fresh) {
            fresh.discard_local();
        }
        return result;
    }
    let hello = ctx.hello(false);
    let mut view = crate::server::client::TerminalView::new(ctx.quiet);
    let result = ctx.endpoint().and_then(|ep| {
        crate::server::client::run_command_with(&ep, &hello, &cmd, ctx.output, out, &mut view)
    });
    if let (Err(_), Some(fresh)) = (&result, fresh) {
        fresh.discard_served(&hello);
    }
    result
}

/// `kam check`: on the book (through the server, or here); when the book
/// cannot be opened at all (a record that cannot be read), on the store
/// alone, which lists what is wrong.
fn check_command(ctx: &Context, out: &mut dyn Write) -> CmdResult {
    let failed = match book_command(ctx, commands::Command::Check, out) {
        Err(e)
            if matches!(e.kind, ErrorKind::Failed | ErrorKind::Database)
                && !db_missing(&ctx.db) =>
        {
            e
        }
        other => return other,
    };
    match Store::open(&ctx.db) {
        Ok(store) => commands::check::check_store(&store, out),
        // In use (a server that runs) or not openable: the first answer.
        Err(_) => Err(failed),
    }
}

/// `kam backup FILE|-`: the book command `Backup` (in this process or on
/// the server) with its output put in a temp file next to FILE, verified
/// completely, then renamed into place: FILE is a whole, good backup or
/// is not touched.
fn backup_command(ctx: &Context, file: &std::path::Path, out: &mut dyn Write) -> CmdResult {
    use std::os::unix::fs::OpenOptionsExt;
    if file.as_os_str() == "-" {
        return book_command(ctx, commands::Command::Backup, out);
    }
    let name = file.file_name().ok_or_else(|| {
        CommandError::new(
            ErrorKind::Usage,
            format!("{} is not a file name", file.display()),
        )
    })?;
    let tmp = file.with_file_name(format!(
        ".{}.kam-backup-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let at = |p: &std::path::Path, e: std::io::Error| {
        CommandError::new(ErrorKind::Failed, format!("{}: {e}", p.display()))
    };
    let result = (|| {
        // The backup holds the whole database: as private as its files.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| at(&tmp, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        book_command(ctx, commands::Command::Backup, &mut w)?;
        let f = w.into_inner().map_err(|e| at(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| at(&tmp, e))?;
        let header =
            crate::store::backup::verify(&tmp).map_err(commands::backup::backup_failure)?;
        std::fs::rename(&tmp, file).map_err(|e| at(file, e))?;
        commands::backup::sync_dir(file);
        Ok(header)
    })();
    match result {
        Ok(header) => {
            writeln!(
                out,
                "backup written to {}: {}",
                file.display(),
                commands::backup::describe(&header)
            )?;
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The database directory does not exist (a directory we may not look into
/// is not "missing": that is reported as permission denied where it is used).
fn db_missing(db: &std::path::Path) -> bool {
    matches!(std::fs::metadata(db), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// A line before the first for a starting client, which shows it (`note
/// TEXT`), and for the server's log.
fn note_to_client(text: &str) {
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "note {text}");
    let _ = stdout.flush();
    eprintln!("kam server: {text}");
}

/// `kam serve`: the first line on stdout tells a starting client the outcome
/// (`ready PID`, or `error KIND` and the message), after any `note` lines;
/// later output goes to stderr (the server log when started by a client).
fn serve(ctx: &Context) -> CmdResult {
    use crate::server::server::{ServeOptions, Server};
    let opts = ServeOptions {
        db: ctx.db.clone(),
        clock: ctx.clock,
        pinned: ctx.as_of.is_some(),
        on_upgrade: Some(note_to_client),
    };
    let mut stdout = std::io::stdout();
    match Server::bind(opts) {
        Err(f) => {
            let _ = writeln!(stdout, "error {}\n{}", f.kind.as_str(), f.message);
            let _ = stdout.flush();
            Err(f)
        }
        Ok(server) => {
            writeln!(stdout, "ready {}", std::process::id())?;
            stdout.flush()?;
            // SAFETY: dup2 on the process's own standard descriptors; the
            // starting client stops reading the pipe after the first line.
            unsafe {
                libc::dup2(2, 1);
            }
            let idle = crate::server::idle_grace(server.opened());
            server.run(idle);
            Ok(())
        }
    }
}

fn server_command(ctx: &Context, action: ServerCommand, out: &mut dyn Write) -> CmdResult {
    use crate::server::client::Connection;
    use crate::server::protocol::{Reply, Request};
    let Some(mut conn) = Connection::open_running(&ctx.db, &ctx.hello(false))? else {
        writeln!(out, "no kam server is running for {}", ctx.db.display())?;
        return Ok(());
    };
    let (req, json) = match action {
        ServerCommand::Status { json } => (Request::Status, json),
        ServerCommand::Stop => (Request::Stop, false),
    };
    let lost = |e: &dyn std::fmt::Display| {
        CommandError::new(ErrorKind::Failed, format!("kam server: {e}"))
    };
    conn.send(&req).map_err(|e| lost(&e))?;
    let conn_pid = conn.info.pid;
    loop {
        match conn.recv().map_err(|e| lost(&e))? {
            Reply::Status(s) => return print_status(&s, json, out),
            Reply::Done { .. } => {
                // The server answers, then saves and marks the files closed
                // before it exits. "Stopped" means gone: the next open of
                // the files finds them closed.
                drop(conn);
                if wait_exited(conn_pid, std::time::Duration::from_secs(30)) {
                    writeln!(out, "kam server {conn_pid} stopped")?;
                } else {
                    writeln!(out, "kam server {conn_pid} is still stopping")?;
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

/// Waits at most `timeout` for process `pid` to end; false if it has not.
fn wait_exited(pid: u32, timeout: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        // SAFETY: signal 0 only asks whether the process exists. EPERM: it
        // does, as another user's (a team server).
        let gone = unsafe { libc::kill(pid as libc::pid_t, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone || std::time::Instant::now() >= deadline {
            return gone;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn print_status(
    s: &crate::server::protocol::ServerStatus,
    json: bool,
    out: &mut dyn Write,
) -> CmdResult {
    if json {
        let clients: Vec<serde_json::Value> = s
            .clients
            .iter()
            .map(|c| serde_json::json!({ "user": c.user, "editing": c.editing.map(|a| a.0) }))
            .collect();
        let v = serde_json::json!({
            "pid": s.pid,
            "uptime_secs": s.uptime_secs,
            "db": s.db,
            "as_of": s.as_of.to_string(),
            "group_shared": s.group_shared,
            "seq": s.seq,
            "clients": clients,
            "hook_failures": s.hook_failures,
        });
        writeln!(out, "{v:#}")?;
        return Ok(());
    }
    writeln!(
        out,
        "kam server pid {} · up {}s · {} · as of {} · {} · change {}",
        s.pid,
        s.uptime_secs,
        s.db,
        s.as_of,
        if s.group_shared {
            "team (group-shared)"
        } else {
            "private"
        },
        s.seq
    )?;
    // The server leaves out this command's own connection.
    let n = s.clients.len();
    writeln!(
        out,
        "{n} {} connected",
        if n == 1 { "session" } else { "sessions" }
    )?;
    for c in &s.clients {
        writeln!(out, "  {}", c.user)?;
    }
    if !s.hook_failures.is_empty() {
        writeln!(out, "hooks that failed (last {}):", s.hook_failures.len())?;
        for f in &s.hook_failures {
            writeln!(out, "  {f}")?;
        }
    }
    Ok(())
}

/// `kam man`: the manual page from the clap definitions. roff's string
/// definitions come before `.TH` in clap_mangen's output; the title line is
/// moved first, where man(7) and tools that sniff a page expect it.
fn man_page(out: &mut dyn Write) -> CmdResult {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    let (title, rest): (Vec<&str>, Vec<&str>) = page.lines().partition(|l| l.starts_with(".TH "));
    for line in title.into_iter().chain(rest) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn keymap_command(action: KeymapCommand, out: &mut dyn Write) -> CmdResult {
    match action {
        KeymapCommand::PrintDefault => {
            write!(out, "{}", crate::tui::keymap::DEFAULT_KEYMAP)?;
            Ok(())
        }
        KeymapCommand::Check { file } => {
            let path = file
                .or_else(crate::paths::user_keymap)
                .ok_or_else(|| CommandError::new(ErrorKind::Failed, "no keymap file given"))?;
            if !path.exists() {
                writeln!(
                    out,
                    "{}: no such file; the default keymap applies",
                    path.display()
                )?;
                return Ok(());
            }
            let errors = crate::tui::keymap::check(&path);
            if errors.is_empty() {
                writeln!(out, "{}: ok", path.display())?;
                Ok(())
            } else {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                Err(CommandError::new(ErrorKind::Invalid, lines.join("\n")))
            }
        }
    }
}

/// The TUI: through the team server like every other command (it then
/// sees the others' changes live), or on the database in this process with
/// `--no-server`.
fn open_tui(ctx: &Context, demo: bool, agenda: bool) -> CmdResult {
    use std::io::IsTerminal;
    // Before anything is opened or created: without a terminal the TUI
    // could only fail, and must not leave a new database behind.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CommandError::new(
            ErrorKind::Usage,
            "kam without a command opens the terminal interface, and needs a terminal \
             (standard input and output); in scripts use a command such as `kam segments`",
        ));
    }
    let fresh = fresh::Fresh::note(&ctx.db);
    let result = run_tui(ctx, demo, agenda);
    if let (Err(_), Some(fresh)) = (&result, fresh) {
        if ctx.no_server {
            fresh.discard_local();
        } else {
            fresh.discard_served(&ctx.hello(false));
        }
    }
    result
}

fn run_tui(ctx: &Context, demo: bool, agenda: bool) -> CmdResult {
    let opts = crate::tui::RunOptions {
        db_label: ctx.db.display().to_string(),
        agenda,
        keymap_path: crate::paths::user_keymap(),
        color: None,
        draft_path: crate::paths::draft_file(&ctx.db),
        config_path: crate::paths::user_config(),
        views_path: crate::paths::user_views(),
    };
    let fail = |e: color_eyre::Report| CommandError::new(ErrorKind::Failed, format!("{e:#}"));
    if ctx.no_server {
        let mut book = ctx.book_for(Prepare::Rows)?;
        if demo && book.store().is_empty()? {
            eprintln!("creating the demo book in {} …", ctx.db.display());
            let out = &mut std::io::stderr();
            commands::fill_demo(
                &mut book,
                DemoParams::DEFAULT_ACCOUNTS,
                DemoParams::default_interactions(DemoParams::DEFAULT_ACCOUNTS),
                DemoParams::DEFAULT_SEED,
                &mut commands::LocalEnv::new(out),
            )?;
        }
        let result = crate::tui::run(&mut book, opts).map_err(fail);
        book.close_for_exit();
        return result;
    }
    let ep = ctx.endpoint()?;
    let mut remote = crate::server::remote::RemoteBackend::connect(ep.clone(), ctx.hello(true))?;
    let empty = crate::book::query::ListQuery {
        limit: Some(0),
        ..Default::default()
    };
    if demo && crate::backend::Backend::list(&remote, &empty).is_ok_and(|p| p.total == 0) {
        eprintln!("creating the demo book in {} …", ctx.db.display());
        let cmd = commands::Command::Demo {
            accounts: DemoParams::DEFAULT_ACCOUNTS,
            interactions: None,
            seed: DemoParams::DEFAULT_SEED,
        };
        let mut out = std::io::stderr();
        crate::server::client::run_command(&ep, &ctx.hello(false), &cmd, &mut out)?;
    }
    crate::tui::run(&mut remote, opts).map_err(fail)
}
