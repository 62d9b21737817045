//! The event loop's one queue: terminal events, read on a thread of their
//! own, and the team's news (`Backend::on_change`). The loop sleeps on it
//! and wakes the moment either arrives — no timer to look at the server's
//! pushes, so another user's change shows as soon as it is here and an idle
//! session costs nothing.
//!
//! The editor and a suspend need the terminal's input for themselves:
//! `pause` returns only once the reader has stopped reading.

use crate::backend::Waker;
use ratatui::crossterm::event::{self, Event};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What woke the loop.
#[derive(Debug)]
pub enum Wake {
    Term(Event),
    /// The backend has news for `poll_changes`.
    Team,
    /// Reading the terminal failed; the reader has stopped.
    Failed(std::io::Error),
}

/// How long one wait of the reader lasts: the longest a `pause` waits,
/// and how often an idle reader looks whether it should pause.
const READ_SLICE: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Gate {
    /// The loop wants the terminal's input.
    pause: bool,
    /// The reader has seen `pause` and reads nothing.
    paused: bool,
}

pub struct Events {
    tx: Sender<Wake>,
    rx: Receiver<Wake>,
    gate: Arc<(Mutex<Gate>, Condvar)>,
}

impl Events {
    /// Starts reading the terminal (raw mode should be on).
    pub fn start() -> Events {
        let (tx, rx) = mpsc::channel();
        let gate: Arc<(Mutex<Gate>, Condvar)> = Arc::default();
        let (reader_tx, reader_gate) = (tx.clone(), Arc::clone(&gate));
        std::thread::spawn(move || {
            read_terminal(&reader_tx, &reader_gate);
            reader_ended(&reader_gate);
        });
        Events { tx, rx, gate }
    }

    /// What the backend calls when it has news.
    pub fn waker(&self) -> Waker {
        let tx = self.tx.clone();
        Arc::new(move || {
            let _ = tx.send(Wake::Team);
        })
    }

    /// The next wake, or `None` after `timeout` without one.
    pub fn next(&self, timeout: Duration) -> Option<Wake> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// A wake that is already here.
    pub fn ready(&self) -> Option<Wake> {
        self.rx.try_recv().ok()
    }

    /// Stops reading the terminal; returns once the reader reads no more
    /// (at most `READ_SLICE`).
    pub fn pause(&self) {
        let (lock, cv) = &*self.gate;
        let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
        g.pause = true;
        while !g.paused {
            g = cv.wait(g).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Reads the terminal again (if the reader has not ended).
    pub fn resume(&self) {
        let (lock, cv) = &*self.gate;
        let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
        g.pause = false;
        cv.notify_all();
    }
}

impl Drop for Events {
    /// The loop is over: the reader reads nothing more (the process may
    /// still close its book, and what the user types then is the shell's).
    fn drop(&mut self) {
        let (lock, cv) = &*self.gate;
        lock.lock().unwrap_or_else(|p| p.into_inner()).pause = true;
        cv.notify_all();
    }
}

/// A reader that has ended reads nothing: a `pause` asked of it must not
/// wait for it.
fn reader_ended(gate: &(Mutex<Gate>, Condvar)) {
    let (lock, cv) = gate;
    lock.lock().unwrap_or_else(|p| p.into_inner()).paused = true;
    cv.notify_all();
}

/// The reader thread: waits for input a slice at a time, looking at the
/// gate before every read, so that a paused reader never takes a key meant
/// for the editor. Ends when the loop's queue is gone or reading fails.
fn read_terminal(tx: &Sender<Wake>, gate: &(Mutex<Gate>, Condvar)) {
    let (lock, cv) = gate;
    loop {
        {
            let mut g = lock.lock().unwrap_or_else(|p| p.into_inner());
            if g.pause {
                g.paused = true;
                cv.notify_all();
                while g.pause {
                    g = cv.wait(g).unwrap_or_else(|p| p.into_inner());
                }
                g.paused = false;
                continue;
            }
        }
        let ready = match event::poll(READ_SLICE) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Wake::Failed(e));
                return;
            }
        };
        // Input waiting while a pause is asked for belongs to the editor.
        if !ready || lock.lock().unwrap_or_else(|p| p.into_inner()).pause {
            continue;
        }
        let sent = match event::read() {
            Ok(ev) => tx.send(Wake::Term(ev)),
            Err(e) => {
                let _ = tx.send(Wake::Failed(e));
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waker_wakes_the_loop_at_once() {
        let (tx, rx) = mpsc::channel();
        let ev = Events {
            tx,
            rx,
            gate: Arc::default(),
        };
        let wake = ev.waker();
        let t = std::thread::spawn(move || wake());
        let got = ev.next(Duration::from_secs(5));
        t.join().unwrap();
        assert!(matches!(got, Some(Wake::Team)), "{got:?}");
        assert!(ev.ready().is_none());
        assert!(ev.next(Duration::from_millis(1)).is_none());
    }

    /// Once the loop is over, the reader is told to read no more.
    #[test]
    fn the_reader_stops_reading_when_the_loop_ends() {
        let gate: Arc<(Mutex<Gate>, Condvar)> = Arc::default();
        let (tx, rx) = mpsc::channel();
        drop(Events {
            tx,
            rx,
            gate: Arc::clone(&gate),
        });
        assert!(gate.0.lock().unwrap().pause);
    }

    /// A key that opens the editor may be followed by a failed read that
    /// ends the reader: pausing it then returns rather than waiting for ever.
    #[test]
    fn pausing_an_ended_reader_returns() {
        let gate: Arc<(Mutex<Gate>, Condvar)> = Arc::default();
        reader_ended(&gate);
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let paused = Events {
                tx: mpsc::channel().0,
                rx: mpsc::channel().1,
                gate,
            };
            paused.pause();
            paused.resume();
            paused.pause();
            let _ = done_tx.send(());
        });
        assert!(
            done_rx.recv_timeout(Duration::from_secs(5)).is_ok(),
            "pause waited for a reader that had ended"
        );
    }
}
