//! The fast path of event decoding: a JSON reader specialised for the frames Asterisk sends.
//!
//! [`decode`] reads a frame straight into the typed model structs, through [`FastDecode`]
//! impls that `cargo xtask codegen` emits for every model (fields matched by name, in any
//! order). It handles the JSON Asterisk writes: objects, arrays, strings without escapes,
//! integers, booleans, `null`, any whitespace, unknown fields (skipped, with their syntax
//! checked). Anything else (a string with an escape, a float, a duplicated field, a missing
//! required field, a value of the wrong type, malformed JSON) makes it give up with `None`, and
//! the caller decodes the frame with serde instead, which gives the same result or the error.
//! So this path never changes what a frame decodes to; it only skips serde's generic
//! machinery for the common case (about twice as fast on a recorded corpus).
//!
//! [`rest_answer`] reads the envelope of a `RESTResponse` the same way, and unescapes its body
//! (a JSON string full of `\"`) in the same pass, straight into the answer's buffer.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::generated::events::{Event, fast_decode_known};

/// A position in a frame's text.
#[derive(Debug)]
pub(crate) struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// A type the fast path can read; `None` means "use the general path".
pub(crate) trait FastDecode: Sized {
    fn fast(p: &mut Parser<'_>) -> Option<Self>;
}

/// Decodes a frame on the fast path; `None` when it needs the general path (also for unknown
/// types and for frames that are not events at all).
pub(crate) fn decode(text: &str) -> Option<Event> {
    let mut p = Parser { text, pos: 0 };
    let event_type = p.top_level_type()?;
    p.pos = 0;
    let event = fast_decode_known(event_type, &mut p)?;
    p.end()?;
    Some(event)
}

/// Decodes a REST answer's body on the fast path; `None` when it needs serde.
pub(crate) fn decode_body<T: FastDecode>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    let mut p = Parser { text, pos: 0 };
    let value = T::fast(&mut p)?;
    p.end()?;
    Some(value)
}

/// A frame's top-level `"type"`, without decoding the frame.
///
/// The connection asks this of every frame (is it a REST answer? has the application been
/// taken over?), so it reads only up to the type, which Asterisk writes early; a frame the fast
/// reader cannot walk is parsed by serde.
pub(crate) fn frame_type(text: &str) -> Option<Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        event_type: String,
    }
    match (Parser { text, pos: 0 }).top_level_type() {
        Some(found) => Some(Cow::Borrowed(found)),
        None => serde_json::from_str::<TypeOnly>(text)
            .ok()
            .map(|t| Cow::Owned(t.event_type)),
    }
}

/// Reads the value of a field into its slot; a field seen twice gives up (serde reports it).
#[inline]
pub(crate) fn field<T: FastDecode>(slot: &mut Option<T>, p: &mut Parser<'_>) -> Option<()> {
    field_with(slot, p, T::fast)
}

/// The index of the quote that ends a string starting at `i`; `None` at an escape, a control
/// character or the end of the text.
#[inline]
fn string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let at = next_special(bytes, i)?;
    (*bytes.get(at)? == b'"').then_some(at)
}

/// The index of the first byte from `i` on that a JSON string cannot hold as it is: `"`, `\\`
/// or a control character; `None` at the end of the text. Eight bytes at a time: a byte is
/// one of those when the classic "has a zero byte" test flags it, and the lowest flagged byte
/// is always a true match.
#[inline]
fn next_special(bytes: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let flagged = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(ONES * 0x20) & !word))
            & HIGH;
        if flagged != 0 {
            return Some(i + (flagged.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    loop {
        match *bytes.get(i)? {
            b'"' | b'\\' | 0..0x20 => return Some(i),
            _ => i += 1,
        }
    }
}

/// Four hex digits of a `\\u` escape.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// A `RESTResponse` frame as the client reads it: whose answer, its status and its body.
#[derive(Debug, PartialEq)]
pub(crate) struct RestAnswer<'a> {
    pub(crate) transaction_id: Cow<'a, str>,
    pub(crate) status_code: u16,
    /// The body's bytes: Asterisk sends it as a JSON string, unescaped here; a body sent as
    /// JSON of another kind is kept as written, and none (or `null`) is empty.
    pub(crate) body: Vec<u8>,
}

/// Reads a `RESTResponse` frame on the fast path: one pass over the frame, the body unescaped
/// straight into its buffer. `None` when it needs serde (see [`rest_answer_by_serde`]).
pub(crate) fn rest_answer(text: &str) -> Option<RestAnswer<'_>> {
    let mut p = Parser { text, pos: 0 };
    let mut transaction_id = None;
    let mut status_code = None;
    let mut body: Option<Vec<u8>> = None;
    p.object(|p, key| match key {
        "transaction_id" => field_with(&mut transaction_id, p, Parser::str),
        "status_code" => field_with(&mut status_code, p, |p| u16::try_from(p.int()?).ok()),
        "message_body" => field_with(&mut body, p, Parser::body),
        _ => p.skip_value(),
    })?;
    p.end()?;
    Some(RestAnswer {
        transaction_id: Cow::Borrowed(transaction_id?),
        status_code: status_code?,
        body: body.unwrap_or_default(),
    })
}

/// Reads a `RESTResponse` frame with serde: the general path, for what [`rest_answer`] does
/// not take (escaped ids, floats, duplicated fields, malformed frames).
pub(crate) fn rest_answer_by_serde(text: &str) -> Option<RestAnswer<'_>> {
    #[derive(serde::Deserialize)]
    struct Frame<'a> {
        #[serde(borrow)]
        transaction_id: Cow<'a, str>,
        status_code: u16,
        #[serde(borrow, default)]
        message_body: Option<&'a serde_json::value::RawValue>,
    }
    let frame = serde_json::from_str::<Frame>(text).ok()?;
    let body = match frame.message_body.map(serde_json::value::RawValue::get) {
        None | Some("null") => Vec::new(),
        Some(text) if text.starts_with('"') => match serde_json::from_str::<String>(text) {
            Ok(body) => body.into_bytes(),
            // A string serde checked but will not unescape (a lone surrogate): the caller
            // gets the body as sent rather than no answer.
            Err(_) => text.as_bytes().to_vec(),
        },
        Some(json) => json.as_bytes().to_vec(),
    };
    Some(RestAnswer {
        transaction_id: frame.transaction_id,
        status_code: frame.status_code,
        body,
    })
}

/// Where an event type's routing keys sit in its frame (see the generated `key_paths`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyPaths {
    /// The fields leading to the id [`Event::channel_id`] returns; empty for none.
    pub(crate) channel: &'static [&'static str],
    /// The fields leading to the id [`Event::bridge_id`] returns; empty for none.
    pub(crate) bridge: &'static [&'static str],
}

/// The strings at `paths` in a frame, each path a chain of field names from the top-level
/// object (an empty path asks for nothing), found in one walk over the frame without decoding
/// it; `None` at a path where the field is absent or `null` (as serde reads an optional field).
/// The walk stops once every path has its string, so the rest of the frame goes unchecked: a
/// frame routed by these keys is checked when it is decoded. `None` for the whole when the fast
/// reader gives up before: a value at a path that is not a string without escapes, or not an
/// object along the way, a field met twice, malformed JSON.
pub(crate) fn strings_at<'a, const N: usize>(
    text: &'a str,
    paths: &[&[&str]; N],
) -> Option<[Option<&'a str>; N]> {
    const { assert!(N <= 32, "one bit per path") };
    let mut p = Parser { text, pos: 0 };
    let mut found = [None; N];
    let mut wanted: u32 = 0;
    for (i, path) in paths.iter().enumerate() {
        if !path.is_empty() {
            wanted |= 1 << i;
        }
    }
    let mut left = wanted.count_ones();
    if left == 0 {
        return Some(found);
    }
    match p.walk(paths, wanted, 0, &mut found, &mut left) {
        // Every path has its string.
        None if left == 0 => Some(found),
        None => None,
        Some(()) => {
            p.end()?;
            Some(found)
        }
    }
}

/// Reads a field's value with `read`; a field seen twice gives up (serde reports it).
#[inline]
fn field_with<'a, T>(
    slot: &mut Option<T>,
    p: &mut Parser<'a>,
    read: impl FnOnce(&mut Parser<'a>) -> Option<T>,
) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(read(p)?);
    Some(())
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

impl<'a> Parser<'a> {
    #[cfg(test)]
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        loop {
            let b = *bytes.get(self.pos)?;
            if !is_ws(b) {
                return Some(b);
            }
            self.pos += 1;
        }
    }

    /// Consumes `want` after any whitespace.
    #[inline]
    fn expect(&mut self, want: u8) -> Option<()> {
        if self.peek()? == want {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Only whitespace is left.
    fn end(&mut self) -> Option<()> {
        match self.peek() {
            None => Some(()),
            Some(_) => None,
        }
    }

    /// The `type` of the frame's object: the first top-level `"type"` key's string value.
    fn top_level_type(&mut self) -> Option<&'a str> {
        self.expect(b'{')?;
        loop {
            let key = self.str()?;
            self.expect(b':')?;
            if key == "type" {
                return self.str();
            }
            self.skip_value()?;
            self.expect(b',')?;
        }
    }

    /// A string without escapes or control characters (serde handles those).
    #[inline]
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.pos;
        let end = string_end(self.text.as_bytes(), start)?;
        self.pos = end + 1;
        // Both ends are at ASCII quotes, hence at character boundaries.
        self.text.get(start..end)
    }

    /// A `RESTResponse` body: a string unescaped into its bytes, `null` as none, other JSON
    /// as written.
    fn body(&mut self) -> Option<Vec<u8>> {
        match self.peek()? {
            b'"' => {
                // Unescaping only shrinks a string, and the body is most of the frame: what
                // is left of the frame bounds it, so the buffer never grows.
                let mut out = Vec::with_capacity(self.text.len() - self.pos);
                self.string_into(&mut out)?;
                Some(out)
            }
            _ if self.null() => Some(Vec::new()),
            _ => self.raw_value().map(|json| json.as_bytes().to_vec()),
        }
    }

    /// A string with any escapes, unescaped into `out`; `None` for what serde refuses (a
    /// control character, an unknown escape, a lone surrogate).
    fn string_into(&mut self, out: &mut Vec<u8>) -> Option<()> {
        self.expect(b'"')?;
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        loop {
            let at = next_special(bytes, i)?;
            out.extend_from_slice(bytes.get(i..at)?);
            if bytes.get(at)? == &b'"' {
                self.pos = at + 1;
                return Some(());
            }
            if bytes.get(at)? != &b'\\' {
                return None;
            }
            // Nearly every escape in a body is a quote: decided before the general match,
            // whose jump table the branch predictor misses.
            if bytes.get(at + 1)? == &b'"' {
                out.push(b'"');
                i = at + 2;
                continue;
            }
            let (unescaped, next) = match bytes.get(at + 1)? {
                b'"' => ('"', at + 2),
                b'\\' => ('\\', at + 2),
                b'/' => ('/', at + 2),
                b'b' => ('\u{8}', at + 2),
                b'f' => ('\u{c}', at + 2),
                b'n' => ('\n', at + 2),
                b'r' => ('\r', at + 2),
                b't' => ('\t', at + 2),
                b'u' => {
                    let first = hex4(bytes, at + 2)?;
                    if (0xD800..0xDC00).contains(&first) {
                        if bytes.get(at + 6..at + 8)? != b"\\u" {
                            return None;
                        }
                        let second = hex4(bytes, at + 8)?;
                        if !(0xDC00..0xE000).contains(&second) {
                            return None;
                        }
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        (char::from_u32(code)?, at + 12)
                    } else {
                        (char::from_u32(first)?, at + 6)
                    }
                }
                _ => return None,
            };
            let mut utf8 = [0; 4];
            out.extend_from_slice(unescaped.encode_utf8(&mut utf8).as_bytes());
            i = next;
        }
    }

    /// Walks an object at `depth` along the `active` paths (a bit per path), storing the
    /// strings where paths end; skips every other value, its syntax checked.
    fn walk<const N: usize>(
        &mut self,
        paths: &[&[&str]; N],
        active: u32,
        depth: usize,
        found: &mut [Option<&'a str>; N],
        left: &mut u32,
    ) -> Option<()> {
        self.object(|p, key| {
            let mut deeper: u32 = 0;
            let mut ends_here = None;
            for (i, path) in paths.iter().enumerate() {
                if active & (1 << i) != 0 && path.get(depth) == Some(&key) {
                    if path.len() == depth + 1 {
                        ends_here = Some(i);
                    } else {
                        deeper |= 1 << i;
                    }
                }
            }
            match ends_here {
                Some(i) => {
                    let slot = found.get_mut(i)?;
                    if slot.is_some() || deeper != 0 {
                        return None;
                    }
                    if p.null() {
                        return Some(());
                    }
                    *slot = Some(p.str()?);
                    *left -= 1;
                    // `None` with nothing left to find ends the walk (see `strings_at`).
                    (*left > 0).then_some(())
                }
                None if deeper != 0 => {
                    if p.null() {
                        return Some(());
                    }
                    p.walk(paths, deeper, depth + 1, found, left)
                }
                None => p.skip_loose(),
            }
        })
    }

    /// Skips a value inside an object or array, checking only what finding its end needs
    /// (strings and nesting): stops at the `,`, `}` or `]` that follows it. For the router,
    /// which reads a few keys and leaves the checking to the decoder.
    fn skip_loose(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        let mut i = self.pos;
        loop {
            match *bytes.get(i)? {
                b'"' => {
                    i += 1;
                    loop {
                        let at = next_special(bytes, i)?;
                        match bytes.get(at)? {
                            b'"' => break i = at + 1,
                            b'\\' => i = at + 2,
                            _ => i = at + 1,
                        }
                    }
                }
                b'{' | b'[' => {
                    depth += 1;
                    i += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    i += 1;
                }
                b',' | b'}' | b']' if depth == 0 => {
                    self.pos = i;
                    return Some(());
                }
                _ => i += 1,
            }
        }
    }

    /// `null`, consumed; `false` (nothing consumed) for anything else.
    #[inline]
    pub(crate) fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.literal("null") {
            return true;
        }
        false
    }

    fn literal(&mut self, word: &str) -> bool {
        let found = self
            .text
            .as_bytes()
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// An object: `field` is called with each key and must read its value.
    #[inline]
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.expect(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array: `element` is called for each element and must read it.
    #[inline]
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An integer as JSON writes it (`-?(0|[1-9][0-9]*)`), within `i64`.
    fn int(&mut self) -> Option<i64> {
        let negative = self.peek()? == b'-';
        if negative {
            self.pos += 1;
        }
        let magnitude = self.digits()?;
        if matches!(self.text.as_bytes().get(self.pos), Some(b'.' | b'e' | b'E')) {
            // A float: serde refuses it for an integer field.
            return None;
        }
        if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// `0|[1-9][0-9]*` as a `u64` (`None` on overflow).
    fn digits(&mut self) -> Option<u64> {
        let bytes = self.text.as_bytes();
        let first = *bytes.get(self.pos)?;
        if !first.is_ascii_digit() {
            return None;
        }
        self.pos += 1;
        let mut value = u64::from(first - b'0');
        if first == b'0' {
            // JSON has no leading zeros.
            return match bytes.get(self.pos) {
                Some(b) if b.is_ascii_digit() => None,
                _ => Some(0),
            };
        }
        while let Some(&b) = bytes.get(self.pos) {
            if !b.is_ascii_digit() {
                break;
            }
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        Some(value)
    }

    /// Skips any JSON value, checking its syntax as serde would.
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.object(|p, _| p.skip_value()),
            b'[' => self.array(Parser::skip_value),
            b't' => self.literal("true").then_some(()),
            b'f' => self.literal("false").then_some(()),
            b'n' => self.literal("null").then_some(()),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, any magnitude.
    fn skip_number(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match bytes.get(self.pos)? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.skip_digits(),
            _ => return None,
        }
        if bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            self.some_digits()?;
        }
        if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn skip_digits(&mut self) {
        let bytes = self.text.as_bytes();
        while bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }

    /// At least one digit.
    fn some_digits(&mut self) -> Option<()> {
        let start = self.pos;
        self.skip_digits();
        (self.pos > start).then_some(())
    }

    /// The text of the next value, its syntax checked.
    fn raw_value(&mut self) -> Option<&'a str> {
        self.peek()?;
        let start = self.pos;
        self.skip_value()?;
        self.text.get(start..self.pos)
    }
}

impl FastDecode for String {
    #[inline]
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        p.str().map(str::to_owned)
    }
}

impl FastDecode for i64 {
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        p.int()
    }
}

impl FastDecode for f64 {
    /// Floats take the general path (serde_json's float parsing is the reference).
    fn fast(_: &mut Parser<'_>) -> Option<Self> {
        None
    }
}

impl FastDecode for bool {
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        match p.peek()? {
            b't' => p.literal("true").then_some(true),
            b'f' => p.literal("false").then_some(false),
            _ => None,
        }
    }
}

impl FastDecode for crate::time::Timestamp {
    #[inline]
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        crate::time::Timestamp::parse(p.str()?).ok()
    }
}

impl FastDecode for serde_json::Value {
    /// Open-ended JSON: its extent found here, its content parsed by serde_json.
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        serde_json::from_str(p.raw_value()?).ok()
    }
}

impl FastDecode for BTreeMap<String, String> {
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        let mut map = BTreeMap::new();
        p.object(|p, key| {
            // As serde does, a repeated key keeps its last value.
            map.insert(key.to_owned(), p.str()?.to_owned());
            Some(())
        })?;
        Some(map)
    }
}

impl<T: FastDecode> FastDecode for Option<T> {
    #[inline]
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        if p.null() {
            Some(None)
        } else {
            T::fast(p).map(Some)
        }
    }
}

impl<T: FastDecode> FastDecode for Box<T> {
    #[inline]
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        T::fast(p).map(Box::new)
    }
}

impl<T: FastDecode> FastDecode for Vec<T> {
    fn fast(p: &mut Parser<'_>) -> Option<Self> {
        let mut items = Vec::new();
        p.array(|p| {
            items.push(T::fast(p)?);
            Some(())
        })?;
        Some(items)
    }
}

macro_rules! fast_id {
    ($($id:ident),*) => {$(
        impl FastDecode for crate::ids::$id {
            #[inline]
            fn fast(p: &mut Parser<'_>) -> Option<Self> {
                p.str().map(Self::from)
            }
        }
    )*};
}

fast_id!(
    ChannelId,
    BridgeId,
    PlaybackId,
    RecordingName,
    ApplicationName,
    DeviceName,
    MailboxName,
    SoundId,
    ModuleName,
    LogChannelName
);

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    fn skip(text: &str) -> Option<usize> {
        let mut p = Parser::new(text);
        p.skip_value()?;
        p.end()?;
        Some(p.pos)
    }

    #[test]
    fn values_are_skipped_with_their_syntax_checked() {
        for ok in [
            r#"{"a":[1,-2.5e+3,true,false,null,{"b":"c"}],"d":{}}"#,
            " [ ] ",
            "0",
            "-0.0E0",
            "\"\"",
            "123456789012345678901234567890",
        ] {
            assert!(skip(ok).is_some(), "{ok}");
        }
        for bad in [
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "tru",
            "nul",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "[1 2]",
            "\"a\\nb\"",
            "\"\u{1}\"",
            "+1",
            "{",
            "\"",
        ] {
            assert!(skip(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn integers_follow_json_and_i64() {
        let int = |text: &str| Parser::new(text).int();
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("-0"), Some(0));
        assert_eq!(int("42"), Some(42));
        assert_eq!(int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int("9223372036854775807"), Some(i64::MAX));
        assert_eq!(int("9223372036854775808"), None);
        assert_eq!(int("-9223372036854775809"), None);
        assert_eq!(int("1.0"), None);
        assert_eq!(int("1e3"), None);
        assert_eq!(int("012"), None);
    }

    #[test]
    fn string_ends_are_found_in_any_position() {
        for len in 0..40 {
            for (bad, at) in [(b'"', true), (b'\\', false), (0x1f, false), (0x7f, true)] {
                for pos in 0..len {
                    let mut text = vec![b'a'; len];
                    text[pos] = bad;
                    text.push(b'"');
                    let expected = if bad == b'"' {
                        Some(pos)
                    } else if at {
                        Some(len)
                    } else {
                        None
                    };
                    assert_eq!(string_end(&text, 0), expected, "len {len} pos {pos} {bad}");
                }
            }
            let mut text = "\u{e9}".repeat(len).into_bytes();
            let end = text.len();
            text.push(b'"');
            assert_eq!(string_end(&text, 0), Some(end));
        }
        assert_eq!(string_end(b"abc", 0), None);
    }

    fn frame(fields: &str) -> String {
        format!(
            r#"{{"type":"RESTResponse","transaction_id":"0000000000000007","request_id":"0000000000000007"{fields}}}"#
        )
    }

    /// The fast reader either agrees with serde or leaves the frame to it.
    fn agrees(text: &str) -> bool {
        let fast = rest_answer(text);
        if let Some(fast) = &fast {
            assert_eq!(Some(fast), rest_answer_by_serde(text).as_ref(), "{text}");
        }
        fast.is_some()
    }

    #[test]
    fn rest_answers_read_fast_are_read_as_serde_reads_them() {
        // As Asterisk 22 writes one, escapes and all.
        let asterisk = r#"{"type":"RESTResponse","transaction_id":"r0","request_id":"r0","status_code":200,"reason_phrase":"OK","uri":"asterisk/info","content_type":"application/json","message_body":"{\"build\":{\"os\":\"Linux\",\"options\":\"OPTIONAL_API, TEST_FRAMEWORK\"},\"config\":{\"name\":\"\",\"setid\":{\"user\":\"\"}}}","application":"a","timestamp":"2026-11-30T11:35:59.312+0000","asterisk_id":"02:16:86:20:c5:fe"}"#;
        assert!(agrees(asterisk));
        let answer = rest_answer(asterisk).unwrap();
        assert_eq!(answer.status_code, 200);
        assert_eq!(answer.transaction_id, "r0");
        assert_eq!(
            answer.body,
            br#"{"build":{"os":"Linux","options":"OPTIONAL_API, TEST_FRAMEWORK"},"config":{"name":"","setid":{"user":""}}}"#
        );
        for fields in [
            r#","status_code":404,"message_body":"{\"message\":\"Channel not found\"}""#,
            r#","status_code":204"#,
            r#","status_code":200,"message_body":null"#,
            r#","status_code":200,"message_body":{"a":[1,2.5,"x"]}"#,
            r#","status_code":200,"message_body":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00\uD83D\uDE00""#,
            r#","status_code":200,"message_body":"caf\u00E9 ok""#,
            r#","status_code":200,"message_body":"""#,
        ] {
            assert!(agrees(&frame(fields)), "{fields}");
        }
        // Left to serde: not read fast, whatever serde then makes of them.
        for fields in [
            r#","status_code":200,"message_body":"\ud83d""#,
            r#","status_code":200,"message_body":"\ude00x""#,
            r#","status_code":200,"message_body":"\ud83d\u0041""#,
            r#","status_code":200,"message_body":"\x""#,
            r#","status_code":200,"message_body":"\u12""#,
            ",\"status_code\":200,\"message_body\":\"a\tb\"",
            r#","status_code":200,"message_body":"a"#,
            r#","status_code":200.0"#,
            r#","status_code":70000"#,
            r#","status_code":200,"status_code":200"#,
            r#","status_code":200,"message_body":"a","message_body":"b""#,
            r#","message_body":"a""#,
            r#","status_code":200,"uri":"a\"b""#,
        ] {
            assert!(!agrees(&frame(fields)), "{fields}");
        }
        assert!(!agrees(r#"{"transaction_id":"a\u0030","status_code":200}"#));
        assert_eq!(
            rest_answer_by_serde(r#"{"transaction_id":"a\u0030","status_code":200}"#)
                .map(|answer| answer.transaction_id.into_owned()),
            Some("a0".to_owned())
        );
    }

    #[test]
    fn every_character_comes_back_from_any_escaping() {
        let mut text = String::new();
        for code in (0..0x800).chain([0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff]) {
            if let Some(c) = char::from_u32(code) {
                text.push(c);
            }
        }
        // serde's escaping (only what JSON requires) and `\u` for every character.
        let plain = serde_json::to_string(&text).unwrap();
        let mut all = String::from("\"");
        for c in text.chars() {
            for unit in c.encode_utf16(&mut [0; 2]) {
                all.push_str(&format!("\\u{unit:04x}"));
            }
        }
        all.push('"');
        for escaped in [plain, all] {
            let frame = frame(&format!(r#","status_code":200,"message_body":{escaped}"#));
            assert!(agrees(&frame));
            let body = rest_answer(&frame).map(|answer| answer.body);
            assert_eq!(body, Some(text.clone().into_bytes()));
        }
    }

    #[test]
    fn strings_are_found_at_paths_in_one_walk() {
        let paths: [&[&str]; 4] = [&["type"], &["channel", "id"], &["peer", "id"], &[]];
        let text =
            r#"{"type":"Dial","caller":{"id":"x"},"peer":{"name":"n","id":"p1"},"n":[1,{"id":2}]}"#;
        assert_eq!(
            strings_at(text, &paths),
            Some([Some("Dial"), None, Some("p1"), None])
        );
        // Absent or null along a path: nothing there.
        let text = r#"{"type":"T","channel":null,"peer":{"id":null}}"#;
        assert_eq!(
            strings_at(text, &paths),
            Some([Some("T"), None, None, None])
        );
        // Left to the decoder: an escape, another kind of value, a field met twice, bad JSON.
        for text in [
            r#"{"type":"T","peer":{"id":"a\"b"}}"#,
            r#"{"type":"T","peer":{"id":5}}"#,
            r#"{"type":"T","peer":"p"}"#,
            r#"{"type":"T","peer":{"id":"a"},"peer":{"id":"b"}}"#,
            r#"{"type":"T","type":"U"}"#,
            r#"{"type":"T","x":{"a":1"#,
            r#"{"type":"T"} x"#,
        ] {
            assert_eq!(strings_at(text, &paths), None, "{text}");
        }
        // Once every path has its string, the rest goes unread (the decoder checks it).
        let text = r#"{"type":"T","peer":{"id":"p"},"channel":{"id":"c"},"x":[1,]"#;
        assert_eq!(
            strings_at(text, &paths),
            Some([Some("T"), Some("c"), Some("p"), None])
        );
    }

    #[test]
    fn strings_with_escapes_take_the_general_path() {
        assert_eq!(Parser::new(r#" "abc" "#).str(), Some("abc"));
        assert_eq!(Parser::new("\"h\u{e9}llo\"").str(), Some("h\u{e9}llo"));
        assert_eq!(Parser::new(r#""a\"b""#).str(), None);
        assert_eq!(Parser::new("\"a\tb\"").str(), None);
        assert_eq!(Parser::new("\"abc").str(), None);
    }
}
