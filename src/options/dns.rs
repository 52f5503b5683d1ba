//! DNS names in wire format (RFC 1035, section 3.1), with compression (section 4.1.4),
//! for options 81 and 119.
//!
//! Decoding never panics and always ends: a compression pointer must point before
//! every position the name has already been read from, so pointers cannot loop, and a
//! name longer than 255 bytes is an error.

use super::value::ValueError;

/// The two top bits of a length byte that mark a compression pointer.
const POINTER_TAG: u8 = 0xc0;
/// The low 14 bits of a pointer: the offset it points to.
const POINTER_MASK: u16 = 0x3fff;
/// The longest label (RFC 1035, section 2.3.4).
pub(crate) const MAX_LABEL: usize = 63;
/// The longest name in wire format (RFC 1035, section 2.3.4).
const MAX_NAME: usize = 255;
/// The root label that ends a complete name.
const ROOT: u8 = 0;

fn invalid(offset: usize, reason: &'static str) -> ValueError {
    ValueError::Invalid { offset, reason }
}

/// Appends one label to `name`, dot-separated.
fn push_label(name: &mut String, label: &[u8], offset: usize) -> Result<(), ValueError> {
    let text = std::str::from_utf8(label).map_err(|_| invalid(offset, "label is not UTF-8"))?;
    if text.contains('.') {
        return Err(invalid(offset, "label contains a dot"));
    }
    if !name.is_empty() {
        name.push('.');
    }
    name.push_str(text);
    Ok(())
}

/// Reads the name starting at `start` in `buf`, following compression pointers; returns
/// the dotted name and the offset just after it where it was written.
pub(crate) fn read_compressed(buf: &[u8], start: usize) -> Result<(String, usize), ValueError> {
    let mut name = String::new();
    let mut wire_len = 0;
    let mut at = start;
    // Every pointer must point below this, which only ever decreases: no loops.
    let mut limit = start;
    let mut resume = None;
    loop {
        let &len = buf.get(at).ok_or(invalid(at, "name runs past the end"))?;
        if len == ROOT {
            return Ok((name, resume.unwrap_or(at + 1)));
        }
        if len & POINTER_TAG == POINTER_TAG {
            let &low = buf.get(at + 1).ok_or(invalid(at, "pointer cut short"))?;
            let target = usize::from(u16::from_be_bytes([len, low]) & POINTER_MASK);
            if target >= limit {
                return Err(invalid(at, "compression pointer does not point backwards"));
            }
            resume.get_or_insert(at + 2);
            limit = target;
            at = target;
            continue;
        }
        if len & POINTER_TAG != 0 {
            return Err(invalid(at, "reserved label type"));
        }
        let label = buf
            .get(at + 1..at + 1 + usize::from(len))
            .ok_or(invalid(at, "label runs past the end"))?;
        wire_len += label.len() + 1;
        if wire_len + 1 > MAX_NAME {
            return Err(invalid(at, "name longer than 255 bytes"));
        }
        push_label(&mut name, label, at)?;
        at += 1 + label.len();
    }
}

/// Reads one uncompressed name filling `buf`; returns it and whether it ends with the
/// root label (a complete name) or not (a partial name, RFC 4702 section 2.3.1).
pub(crate) fn read_uncompressed(buf: &[u8]) -> Result<(String, bool), ValueError> {
    let mut name = String::new();
    let mut at = 0;
    while let Some(&len) = buf.get(at) {
        if len == ROOT {
            return if at + 1 == buf.len() {
                Ok((name, true))
            } else {
                Err(invalid(at, "bytes after the end of the name"))
            };
        }
        if usize::from(len) > MAX_LABEL {
            return Err(invalid(at, "label longer than 63 bytes"));
        }
        let label = buf
            .get(at + 1..at + 1 + usize::from(len))
            .ok_or(invalid(at, "label runs past the end"))?;
        push_label(&mut name, label, at)?;
        at += 1 + label.len();
    }
    Ok((name, false))
}

/// The labels of a dotted name; empty labels (a trailing dot, `a..b`) are skipped and
/// labels over 63 bytes are cut, since the wire format cannot carry them.
fn labels(name: &str) -> impl Iterator<Item = &[u8]> {
    name.split('.')
        .filter(|label| !label.is_empty())
        .map(|label| {
            label
                .as_bytes()
                .get(..MAX_LABEL)
                .unwrap_or(label.as_bytes())
        })
}

/// Writes `name` uncompressed, ending with the root label when `complete`.
pub(crate) fn write_uncompressed(out: &mut Vec<u8>, name: &str, complete: bool) {
    for label in labels(name) {
        super::suboptions::write_len_prefixed(out, label);
    }
    if complete {
        out.push(ROOT);
    }
}

/// Writes names with compression: a suffix already written is replaced by a pointer
/// to it. Offsets are relative to where the first name starts in `out`.
pub(crate) fn write_compressed<'a>(out: &mut Vec<u8>, names: impl IntoIterator<Item = &'a str>) {
    let base = out.len();
    let mut written: Vec<(Vec<&[u8]>, u16)> = Vec::new();
    for name in names {
        let all: Vec<&[u8]> = labels(name).collect();
        let mut ended = false;
        for i in 0..all.len() {
            let suffix = &all[i..];
            if let Some((_, offset)) = written.iter().find(|(known, _)| known == suffix) {
                let pointer = u16::from(POINTER_TAG) << 8 | *offset;
                out.extend_from_slice(&pointer.to_be_bytes());
                ended = true;
                break;
            }
            if let Ok(offset) = u16::try_from(out.len() - base) {
                if offset <= POINTER_MASK {
                    written.push((suffix.to_vec(), offset));
                }
            }
            super::suboptions::write_len_prefixed(out, suffix[0]);
        }
        if !ended {
            out.push(ROOT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_loops_and_forward_pointers_are_errors() {
        assert!(read_compressed(&[0xc0, 0x00], 0).is_err());
        assert!(read_compressed(&[1, b'a', 0xc0, 0x00], 0).is_err());
        assert!(read_compressed(&[0xc0, 0x02, 0], 0).is_err());
        assert!(read_compressed(&[0x80, 0], 0).is_err());
    }

    #[test]
    fn overlong_names_are_errors() {
        let mut buf = Vec::new();
        for _ in 0..5 {
            buf.push(63);
            buf.extend_from_slice(&[b'x'; 63]);
        }
        buf.push(0);
        assert!(read_compressed(&buf, 0).is_err());
    }
}
