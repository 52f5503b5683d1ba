//! ISC dhcpd's `dhcpd.leases` (dhcpd.leases(5)): a log of declarations in dhcpd's
//! configuration syntax, the last `lease ADDRESS { ... }` of an address in effect.
//!
//! ```text
//! lease 198.18.0.102 {
//!   starts 2 2026/12/08 03:14:35;
//!   ends 2 2026/12/08 03:16:35;          also `ends epoch 1796699795;`, `ends never;`
//!   binding state active;
//!   next binding state free;
//!   hardware ethernet 02:00:00:00:04:01;
//!   uid "\001\002\000\000\000\004\001";  or colon-hex: uid 01:02:00:00:00:04:01;
//!   set vendor-class-identifier = "udhcp 1.35.0";
//! }
//! ```
//!
//! Times are UTC. The file is read as tokens (words, quoted strings, `{`, `}`, `;`;
//! `#` to the end of the line is a comment), so statements this reader has no use
//! for (`set`, `on commit { ... }`, `option agent.circuit-id`) are skipped whole,
//! nested braces included.

use std::io::{self, BufRead};
use std::net::Ipv4Addr;
use std::path::Path;

use super::error::{ImportError, Problem};
use super::text::{colon_hex, Reading};
use super::{BadLines, Parsed, Record, Status};
use crate::lease::engine::BOOTP_FOREVER;
use crate::lease::table::{ClientKey, Secs};

/// One token and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    line: usize,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A bare word: a keyword, a number, an address, colon-hex.
    Word(String),
    /// A quoted string's bytes, escapes resolved.
    Quoted(Vec<u8>),
    Open,
    Close,
    Semicolon,
}

impl Kind {
    fn text(&self) -> String {
        match self {
            Kind::Word(word) => word.clone(),
            Kind::Quoted(bytes) => format!("\"{}\"", String::from_utf8_lossy(bytes)),
            Kind::Open => "{".into(),
            Kind::Close => "}".into(),
            Kind::Semicolon => ";".into(),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self, Kind::Word(w) if w == word)
    }
}

/// Why tokens stopped.
enum Stop {
    /// The file ends inside a token (an unterminated string): torn.
    Torn(usize),
    Io(io::Error),
}

/// The file as tokens.
struct Tokens<R> {
    reader: R,
    line: usize,
}

impl<R: BufRead> Tokens<R> {
    fn peek(&mut self) -> Result<Option<u8>, Stop> {
        let buf = self.reader.fill_buf().map_err(Stop::Io)?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self) -> Result<Option<u8>, Stop> {
        let byte = self.peek()?;
        if let Some(byte) = byte {
            self.reader.consume(1);
            if byte == b'\n' {
                self.line += 1;
            }
        }
        Ok(byte)
    }

    fn next_token(&mut self) -> Result<Option<Token>, Stop> {
        loop {
            match self.peek()? {
                None => return Ok(None),
                Some(b) if b.is_ascii_whitespace() => {
                    self.bump()?;
                }
                Some(b'#') => while !matches!(self.bump()?, None | Some(b'\n')) {},
                Some(_) => break,
            }
        }
        let line = self.line;
        let kind = match self.bump()? {
            Some(b'{') => Kind::Open,
            Some(b'}') => Kind::Close,
            Some(b';') => Kind::Semicolon,
            Some(b'"') => Kind::Quoted(self.quoted(line)?),
            Some(first) => {
                let mut word = vec![first];
                while let Some(b) = self.peek()? {
                    if b.is_ascii_whitespace() || matches!(b, b'{' | b'}' | b';' | b'"' | b'#') {
                        break;
                    }
                    word.push(b);
                    self.bump()?;
                }
                Kind::Word(String::from_utf8_lossy(&word).into_owned())
            }
            None => return Ok(None),
        };
        Ok(Some(Token { line, kind }))
    }

    /// The rest of a quoted string: `\ooo` (octal, how dhcpd writes what is not
    /// printable), `\xhh`, `\t`, `\n`, `\r`, `\b`, and `\c` for any other `c`.
    fn quoted(&mut self, line: usize) -> Result<Vec<u8>, Stop> {
        let mut bytes = Vec::new();
        loop {
            match self.bump()?.ok_or(Stop::Torn(line))? {
                b'"' => return Ok(bytes),
                b'\\' => {
                    let escaped = self.bump()?.ok_or(Stop::Torn(line))?;
                    let byte = match escaped {
                        b'0'..=b'7' => self.digits(escaped, 8, 3)?,
                        b'x' => match self.peek()? {
                            Some(b) if b.is_ascii_hexdigit() => {
                                self.bump()?;
                                self.digits(b, 16, 2)?
                            }
                            _ => b'x',
                        },
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b'b' => 0x08,
                        other => other,
                    };
                    bytes.push(byte);
                }
                other => bytes.push(other),
            }
        }
    }

    /// A number of up to `max` digits in `radix`, its first digit read already;
    /// wraps at 256 as dhcpd's reader does (`\777` is one byte).
    fn digits(&mut self, first: u8, radix: u32, max: usize) -> Result<u8, Stop> {
        let digit = |b: u8| (b as char).to_digit(radix);
        let mut value = digit(first).unwrap_or(0);
        for _ in 1..max {
            match self.peek()?.and_then(digit) {
                Some(d) => {
                    value = value * radix + d;
                    self.bump()?;
                }
                None => break,
            }
        }
        Ok((value & 0xff) as u8)
    }
}

/// Reads a `dhcpd.leases` file.
pub(super) fn parse(
    reader: impl BufRead,
    name: &Path,
    bad: BadLines,
) -> Result<Parsed, ImportError> {
    let mut reading = Reading::new(name, bad);
    let mut tokens = Tokens { reader, line: 1 };
    match declarations(&mut tokens, &mut reading) {
        Ok(()) => {}
        Err(Failure::Stop(Stop::Torn(line))) => reading.torn(line),
        Err(Failure::Stop(Stop::Io(error))) => return Err(reading.io(error)),
        Err(Failure::Bad(error)) => return Err(error),
    }
    Ok(reading.finish())
}

enum Failure {
    Stop(Stop),
    Bad(ImportError),
}

impl From<Stop> for Failure {
    fn from(stop: Stop) -> Self {
        Failure::Stop(stop)
    }
}

impl From<ImportError> for Failure {
    fn from(error: ImportError) -> Self {
        Failure::Bad(error)
    }
}

/// The DHCPv6 lease declarations, left out.
const DHCPV6: [&str; 3] = ["ia-na", "ia-ta", "ia-pd"];

fn declarations<R: BufRead>(tokens: &mut Tokens<R>, reading: &mut Reading) -> Result<(), Failure> {
    while let Some(first) = tokens.next_token()? {
        if first.kind.is_word("lease") {
            lease(tokens, reading, first.line)?;
            continue;
        }
        if DHCPV6.iter().any(|word| first.kind.is_word(word)) {
            reading.dhcpv6();
        }
        if first.kind == Kind::Close {
            reading.bad(first.line, Problem::Unexpected("}".into()))?;
            continue;
        }
        statement(tokens, first)?;
    }
    Ok(())
}

/// The tokens of one statement from `first` on: up to its `;`, or through the
/// block it opens (`host x { ... }`, `on commit { ... }`). `None` for the `}` that
/// closes the block the statement is in.
fn statement<R: BufRead>(tokens: &mut Tokens<R>, first: Token) -> Result<Option<Vec<Token>>, Stop> {
    if first.kind == Kind::Close {
        return Ok(None);
    }
    let start = first.line;
    let mut depth = 0usize;
    let mut all = vec![first];
    loop {
        let last = all.last().expect("at least the first token");
        match last.kind {
            Kind::Semicolon if depth == 0 => return Ok(Some(all)),
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(Some(all));
                }
            }
            _ => {}
        }
        all.push(tokens.next_token()?.ok_or(Stop::Torn(start))?);
    }
}

/// `lease ADDRESS { statements }`, the `lease` word read.
fn lease<R: BufRead>(
    tokens: &mut Tokens<R>,
    reading: &mut Reading,
    line: usize,
) -> Result<(), Failure> {
    let addr = tokens.next_token()?.ok_or(Stop::Torn(line))?;
    let open = tokens.next_token()?.ok_or(Stop::Torn(line))?;
    if open.kind != Kind::Open {
        reading.bad(open.line, Problem::Missing("{ after the lease's address"))?;
        // Not a block: skip to the end of the statement it is.
        if open.kind != Kind::Semicolon {
            statement(tokens, open)?;
        }
        return Ok(());
    }
    // Cut short anywhere inside, the lease is what is torn.
    let torn_here = |stop| match stop {
        Stop::Torn(_) => Stop::Torn(line),
        other => other,
    };
    let mut body = Vec::new();
    loop {
        let first = tokens.next_token().map_err(torn_here)?;
        let first = first.ok_or(Stop::Torn(line))?;
        match statement(tokens, first).map_err(torn_here)? {
            Some(statement) => body.push(statement),
            None => break,
        }
    }
    let parsed = match &addr.kind {
        Kind::Word(word) => word.parse::<Ipv4Addr>().ok(),
        _ => None,
    };
    let Some(addr) = parsed else {
        reading.bad(line, Problem::Address(addr.kind.text()))?;
        return Ok(());
    };
    match status(&body) {
        Ok(status) => reading.record(Record { line, addr, status }),
        Err((at, problem)) => reading.bad(at.unwrap_or(line), problem)?,
    }
    Ok(())
}

/// The lease's state as its statements say; on a bad one, its line and problem.
fn status(body: &[Vec<Token>]) -> Result<Status, (Option<usize>, Problem)> {
    let mut ends = None;
    let mut state: Option<String> = None;
    let mut hardware = None;
    let mut uid = None;
    for statement in body {
        let line = statement[0].line;
        let words: Vec<&Kind> = statement.iter().map(|t| &t.kind).collect();
        let bad = |problem| (Some(line), problem);
        match words.as_slice() {
            [Kind::Word(w), rest @ ..] if w == "ends" => ends = Some(date(rest).map_err(bad)?),
            [Kind::Word(b), Kind::Word(s), Kind::Word(value), Kind::Semicolon]
                if b == "binding" && s == "state" =>
            {
                state = Some(value.clone());
            }
            [Kind::Word(w), Kind::Semicolon] if w == "abandoned" => {
                state = Some("abandoned".into());
            }
            [Kind::Word(w), Kind::Word(htype), Kind::Word(addr), Kind::Semicolon]
                if w == "hardware" =>
            {
                let htype = hardware_type(htype).map_err(bad)?;
                hardware = Some((htype, colon_hex(addr).map_err(bad)?));
            }
            [Kind::Word(w), Kind::Quoted(bytes), Kind::Semicolon] if w == "uid" => {
                uid = Some(bytes.clone());
            }
            [Kind::Word(w), Kind::Word(hex), Kind::Semicolon] if w == "uid" => {
                uid = Some(colon_hex(hex).map_err(bad)?);
            }
            [Kind::Word(w), ..]
                if matches!(w.as_str(), "ends" | "hardware" | "uid" | "binding") =>
            {
                let text: Vec<String> = words.iter().map(|k| k.text()).collect();
                return Err(bad(Problem::Unexpected(text.join(" "))));
            }
            _ => {}
        }
    }
    let key = match (uid, hardware) {
        (Some(uid), _) if !uid.is_empty() => Some(ClientKey::Id(uid)),
        (_, Some((htype, addr))) if !addr.is_empty() => Some(ClientKey::Hw(htype, addr)),
        _ => None,
    };
    let ends = || ends.ok_or((None, Problem::Missing("ends")));
    match state.as_deref().unwrap_or("active") {
        "active" | "bootp" | "reserved" => Ok(Status::Leased {
            key: key.ok_or((None, Problem::NoClient))?,
            until: ends()?,
        }),
        "abandoned" => Ok(Status::Quarantined { until: ends()? }),
        "free" | "released" | "expired" | "reset" | "backup" => Ok(Status::Free),
        other => Err((None, Problem::State(other.to_owned()))),
    }
}

/// ISC's hardware type names: its table of ARP hardware types.
fn hardware_type(name: &str) -> Result<u8, Problem> {
    match name {
        "ethernet" => Ok(1),
        "token-ring" => Ok(6),
        "fddi" => Ok(8),
        "infiniband" => Ok(32),
        other => other
            .strip_prefix("unknown-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Problem::HardwareType(other.to_owned())),
    }
}

/// A date statement's tokens after its keyword: `W YYYY/MM/DD HH:MM:SS;` (UTC),
/// `epoch N;` or `never;`.
fn date(tokens: &[&Kind]) -> Result<Secs, Problem> {
    let text = || {
        let words: Vec<String> = tokens.iter().map(|k| k.text()).collect();
        Problem::Time(words.join(" "))
    };
    match tokens {
        [Kind::Word(never), Kind::Semicolon] if never == "never" => Ok(BOOTP_FOREVER),
        [Kind::Word(epoch), Kind::Word(secs), Kind::Semicolon] if epoch == "epoch" => {
            secs.parse().map_err(|_| text())
        }
        [Kind::Word(weekday), Kind::Word(day), Kind::Word(time), Kind::Semicolon]
            if weekday.bytes().all(|b| b.is_ascii_digit()) =>
        {
            utc(day, time).ok_or_else(text)
        }
        _ => Err(text()),
    }
}

/// `YYYY/MM/DD` and `HH:MM:SS` (UTC) in seconds since the epoch; `None` if either is
/// not a real date and time, or before 1970.
fn utc(day: &str, time: &str) -> Option<Secs> {
    let numbers = |text: &str, sep: char| -> Option<Vec<u64>> {
        text.split(sep)
            .map(|n| {
                (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse().ok())
                    .flatten()
            })
            .collect()
    };
    let (ymd, hms) = (numbers(day, '/')?, numbers(time, ':')?);
    let ([year, month, mday], [hour, minute, second]) = (ymd.as_slice(), hms.as_slice()) else {
        return None;
    };
    let (year, month, mday) = (*year, *month, *mday);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if mday < 1 || mday > days_in_month(year, month) || *hour > 23 || *minute > 59 || *second > 60 {
        return None;
    }
    Some(days_since_epoch(year, month, mday) * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date, in the proleptic Gregorian calendar.
fn days_since_epoch(year: u64, month: u64, mday: u64) -> u64 {
    let years: u64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let months: u64 = (1..month).map(|m| days_in_month(year, m)).sum();
    years + months + mday - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_seconds_since_the_epoch() {
        assert_eq!(utc("1970/01/01", "00:00:00"), Some(0));
        // `date -u -d '2026-12-08 03:16:35' +%s`
        assert_eq!(utc("2026/12/08", "03:16:35"), Some(1_796_699_795));
        assert_eq!(utc("2000/02/29", "23:59:59"), Some(951_868_799));
        assert_eq!(utc("2024/03/01", "00:00:00"), Some(1_709_251_200));
        for (day, time) in [
            ("2023/02/29", "00:00:00"),
            ("1969/12/31", "23:59:59"),
            ("2024/13/01", "00:00:00"),
            ("2024/1/1", "24:00:00"),
            ("2024/01/01", "00:00"),
            ("2024/01/+1", "00:00:00"),
        ] {
            assert_eq!(utc(day, time), None, "{day} {time}");
        }
    }

    #[test]
    fn quoted_strings_take_dhcpds_escapes() {
        let mut tokens = Tokens {
            reader: &br#""\001\0022\x41\"\\a" x"#[..],
            line: 1,
        };
        let Ok(Some(token)) = tokens.next_token() else {
            panic!("a token")
        };
        assert_eq!(
            token.kind,
            Kind::Quoted(vec![1, 2, b'2', b'A', b'"', b'\\', b'a'])
        );
    }
}
