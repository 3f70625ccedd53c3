//! `btf dump --json` / `--pretty`: bpftool's JSON for `format raw`, byte for byte as Debian's
//! bpftool 7.1 prints `bpftool -j btf dump file FILE format raw` (and `-p`).
//!
//! bpftool writes its JSON with a small streaming writer (iproute2's `json_writer.c`); to give the
//! same bytes, [`JsonWriter`] keeps the same state — nesting depth and whether a comma is due —
//! and makes the same choices, quirks included:
//!
//! - strings are the raw bytes of the BTF string table (no UTF-8 check, no `\u` escapes); only
//!   tab, newline, carriage return, form feed, backspace and `"` are escaped, and a backslash
//!   comes out as `\n` (a long-standing slip in `jsonw_puts` that 7.1 still has). The
//!   bpftool repository's v7.1.0 tag also escapes `'` as `\'`; Debian's 7.1, built from the
//!   kernel's tree, does not, and it is Debian's bytes we match (`json_parity.rs` holds us to them);
//! - pretty output breaks the line and indents by four spaces before each property name and
//!   before a closing bracket of a non-empty collection, never before an array element, so an
//!   object in an array opens on the line of the `[` or of the previous `}`;
//! - the output ends with one newline (`jsonw_destroy`);
//! - the value of an ENUM member is a signed 32-bit number in `struct btf_enum`, and bpftool
//!   passes it to `jsonw_uint_field(uint64_t)`, so an *unsigned* enum value with the top bit set
//!   prints sign-extended (4294967295 prints as 18446744073709551615), while the text format
//!   prints it with `%u`. Signed enums print as signed numbers.

use std::io::{self, Write};

use btf_core::{Btf, Kind, TypeRef};

/// bpftool's `json_writer_t`: output, nesting depth, pretty flag, whether a comma is due.
struct JsonWriter<W: Write> {
    out: W,
    depth: usize,
    pretty: bool,
    comma_due: bool,
}

impl<W: Write> JsonWriter<W> {
    fn new(out: W, pretty: bool) -> Self {
        JsonWriter {
            out,
            depth: 0,
            pretty,
            comma_due: false,
        }
    }

    /// `jsonw_eol`: newline and indentation, pretty output only.
    fn eol(&mut self) -> io::Result<()> {
        if self.pretty {
            self.out.write_all(b"\n")?;
            for _ in 0..self.depth {
                self.out.write_all(b"    ")?;
            }
        }
        Ok(())
    }

    /// `jsonw_eor`: the comma before every element but the first of a collection.
    fn eor(&mut self) -> io::Result<()> {
        if self.comma_due {
            self.out.write_all(b",")?;
        }
        self.comma_due = true;
        Ok(())
    }

    fn begin(&mut self, open: u8) -> io::Result<()> {
        self.eor()?;
        self.out.write_all(&[open])?;
        self.depth += 1;
        self.comma_due = false;
        Ok(())
    }

    fn end(&mut self, close: u8) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.comma_due {
            self.eol()?;
        }
        self.out.write_all(&[close])?;
        self.comma_due = true;
        Ok(())
    }

    fn start_object(&mut self) -> io::Result<()> {
        self.begin(b'{')
    }

    fn end_object(&mut self) -> io::Result<()> {
        self.end(b'}')
    }

    fn start_array(&mut self) -> io::Result<()> {
        self.begin(b'[')
    }

    fn end_array(&mut self) -> io::Result<()> {
        self.end(b']')
    }

    /// `jsonw_puts`: a quoted string with bpftool's escapes (see the module comment).
    fn puts(&mut self, s: &[u8]) -> io::Result<()> {
        self.out.write_all(b"\"")?;
        let mut rest = s;
        while let Some(i) = rest.iter().position(|c| ESCAPED.contains(c)) {
            self.out.write_all(&rest[..i])?;
            let escape: &[u8] = match rest[i] {
                b'\t' => b"\\t",
                b'\n' | b'\\' => b"\\n",
                b'\r' => b"\\r",
                0x0c => b"\\f",
                0x08 => b"\\b",
                _ => b"\\\"",
            };
            self.out.write_all(escape)?;
            rest = &rest[i + 1..];
        }
        self.out.write_all(rest)?;
        self.out.write_all(b"\"")
    }

    /// `jsonw_name`: a property name and its colon.
    fn name(&mut self, name: &str) -> io::Result<()> {
        self.eor()?;
        self.eol()?;
        self.comma_due = false;
        self.puts(name.as_bytes())?;
        self.out.write_all(if self.pretty { b": " } else { b":" })
    }

    fn string_field(&mut self, name: &str, value: &[u8]) -> io::Result<()> {
        self.name(name)?;
        self.eor()?;
        self.puts(value)
    }

    fn uint_field(&mut self, name: &str, value: u64) -> io::Result<()> {
        self.name(name)?;
        self.eor()?;
        write!(self.out, "{value}")
    }

    fn int_field(&mut self, name: &str, value: i64) -> io::Result<()> {
        self.name(name)?;
        self.eor()?;
        write!(self.out, "{value}")
    }

    /// `jsonw_destroy`: the final newline.
    fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n")?;
        Ok(self.out)
    }
}

/// The bytes `jsonw_puts` escapes.
const ESCAPED: &[u8] = b"\t\n\r\x0c\x08\\\"";

fn int_encoding(enc: u32) -> &'static [u8] {
    match enc {
        0 => b"(none)",
        1 => b"SIGNED",
        2 => b"CHAR",
        4 => b"BOOL",
        _ => b"UNKN",
    }
}

/// Linkage of a VAR (its `linkage` word) or a FUNC (its vlen), as bpftool names them.
fn linkage(value: u32) -> &'static [u8] {
    match value {
        0 => b"static",
        1 => b"global",
        2 => b"extern",
        _ => b"(unknown)",
    }
}

/// A type name as bpftool shows it: `(anon)` for offset 0, `(invalid)` when unresolvable.
fn name_of(btf: &Btf, off: u32) -> &[u8] {
    if off == 0 {
        return b"(anon)";
    }
    btf.str_bytes(off).unwrap_or(b"(invalid)")
}

fn kind_str(t: &TypeRef<'_>) -> &'static [u8] {
    t.kind().map_or("UNKNOWN", Kind::name).as_bytes()
}

fn enum_encoding(t: &TypeRef<'_>) -> &'static [u8] {
    if t.kflag() { b"SIGNED" } else { b"UNSIGNED" }
}

/// One type as bpftool's `dump_btf_type` writes it in JSON mode.
fn write_type<W: Write>(w: &mut JsonWriter<W>, btf: &Btf, t: &TypeRef<'_>) -> io::Result<()> {
    w.start_object()?;
    w.uint_field("id", u64::from(t.id()))?;
    w.string_field("kind", kind_str(t))?;
    w.string_field("name", name_of(btf, t.name_off()))?;
    match t.kind() {
        Some(Kind::Int) => {
            w.uint_field("size", u64::from(t.size()))?;
            w.uint_field("bits_offset", u64::from(t.int_offset()))?;
            w.uint_field("nr_bits", u64::from(t.int_bits()))?;
            w.string_field("encoding", int_encoding(t.int_encoding()))?;
        }
        Some(
            Kind::Ptr
            | Kind::Const
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Typedef
            | Kind::TypeTag,
        ) => w.uint_field("type_id", u64::from(t.type_id()))?,
        Some(Kind::Array) => {
            let a = t.array();
            w.uint_field("type_id", u64::from(a.elem_type))?;
            w.uint_field("index_type_id", u64::from(a.index_type))?;
            w.uint_field("nr_elems", u64::from(a.nelems))?;
        }
        Some(Kind::Struct | Kind::Union) => {
            w.uint_field("size", u64::from(t.size()))?;
            w.uint_field("vlen", u64::from(t.vlen()))?;
            w.name("members")?;
            w.start_array()?;
            for m in t.members() {
                w.start_object()?;
                w.string_field("name", name_of(btf, m.name_off))?;
                w.uint_field("type_id", u64::from(m.type_id))?;
                w.uint_field("bits_offset", u64::from(m.bit_offset()))?;
                if m.bitfield_size() != 0 {
                    w.uint_field("bitfield_size", u64::from(m.bitfield_size()))?;
                }
                w.end_object()?;
            }
            w.end_array()?;
        }
        Some(Kind::Enum) => {
            w.string_field("encoding", enum_encoding(t))?;
            w.uint_field("size", u64::from(t.size()))?;
            w.uint_field("vlen", u64::from(t.vlen()))?;
            w.name("values")?;
            w.start_array()?;
            for v in t.enum_values() {
                w.start_object()?;
                w.string_field("name", name_of(btf, v.name_off))?;
                // `__s32 val` widened to a 64-bit number: sign-extended either way.
                let val = i64::from(v.val as i32);
                if t.kflag() {
                    w.int_field("val", val)?;
                } else {
                    w.uint_field("val", val as u64)?;
                }
                w.end_object()?;
            }
            w.end_array()?;
        }
        Some(Kind::Enum64) => {
            w.string_field("encoding", enum_encoding(t))?;
            w.uint_field("size", u64::from(t.size()))?;
            w.uint_field("vlen", u64::from(t.vlen()))?;
            w.name("values")?;
            w.start_array()?;
            for v in t.enum64_values() {
                w.start_object()?;
                w.string_field("name", name_of(btf, v.name_off))?;
                if t.kflag() {
                    w.int_field("val", v.val as i64)?;
                } else {
                    w.uint_field("val", v.val)?;
                }
                w.end_object()?;
            }
            w.end_array()?;
        }
        Some(Kind::Fwd) => {
            let fwd_kind: &[u8] = if t.kflag() { b"union" } else { b"struct" };
            w.string_field("fwd_kind", fwd_kind)?;
        }
        Some(Kind::Func) => {
            w.uint_field("type_id", u64::from(t.type_id()))?;
            w.string_field("linkage", linkage(t.vlen()))?;
        }
        Some(Kind::FuncProto) => {
            w.uint_field("ret_type_id", u64::from(t.type_id()))?;
            w.uint_field("vlen", u64::from(t.vlen()))?;
            w.name("params")?;
            w.start_array()?;
            for p in t.params() {
                w.start_object()?;
                w.string_field("name", name_of(btf, p.name_off))?;
                w.uint_field("type_id", u64::from(p.type_id))?;
                w.end_object()?;
            }
            w.end_array()?;
        }
        Some(Kind::Var) => {
            w.uint_field("type_id", u64::from(t.type_id()))?;
            w.string_field("linkage", linkage(t.var_linkage()))?;
        }
        Some(Kind::Datasec) => {
            w.uint_field("size", u64::from(t.size()))?;
            w.uint_field("vlen", u64::from(t.vlen()))?;
            w.name("vars")?;
            w.start_array()?;
            for v in t.datasec_vars() {
                w.start_object()?;
                w.uint_field("type_id", u64::from(v.type_id))?;
                w.uint_field("offset", u64::from(v.offset))?;
                w.uint_field("size", u64::from(v.size))?;
                w.end_object()?;
            }
            w.end_array()?;
        }
        Some(Kind::Float) => w.uint_field("size", u64::from(t.size()))?,
        Some(Kind::DeclTag) => {
            w.uint_field("type_id", u64::from(t.type_id()))?;
            w.int_field("component_idx", i64::from(t.decl_tag_component_idx()))?;
        }
        Some(Kind::Unkn) | None => {}
    }
    w.end_object()
}

/// Writes `{"types":[…]}` for every own type (split BTF: only the split's types), then a newline.
pub fn write_raw_json<W: Write>(out: W, btf: &Btf, pretty: bool) -> io::Result<W> {
    let mut w = JsonWriter::new(out, pretty);
    w.start_object()?;
    w.name("types")?;
    w.start_array()?;
    for t in btf.types() {
        write_type(&mut w, btf, &t)?;
    }
    w.end_array()?;
    w.end_object()?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Doc<'a> = JsonWriter<&'a mut Vec<u8>>;

    fn render(pretty: bool, f: impl FnOnce(&mut Doc<'_>) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        let mut w = JsonWriter::new(&mut buf, pretty);
        f(&mut w).unwrap();
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escapes_as_bpftool_does() {
        let mut buf = Vec::new();
        let mut w = JsonWriter::new(&mut buf, false);
        w.puts(b"a\tb\nc\rd\x0ce\x08f\\g\"h'i\x01j\xff").unwrap();
        // A backslash comes out as `\n`; other control bytes and non-UTF-8 bytes pass through.
        assert_eq!(buf, b"\"a\\tb\\nc\\rd\\fe\\bf\\ng\\\"h'i\x01j\xff\"");
    }

    #[test]
    fn compact_and_pretty_layout() {
        let doc = |w: &mut Doc<'_>| {
            w.start_object()?;
            w.name("types")?;
            w.start_array()?;
            for id in [1, 2] {
                w.start_object()?;
                w.uint_field("id", id)?;
                w.name("members")?;
                w.start_array()?;
                w.end_array()?;
                w.end_object()?;
            }
            w.end_array()?;
            w.end_object()
        };
        assert_eq!(
            render(false, doc),
            "{\"types\":[{\"id\":1,\"members\":[]},{\"id\":2,\"members\":[]}]}\n"
        );
        assert_eq!(
            render(true, doc),
            "{\n    \"types\": [{\n            \"id\": 1,\n            \"members\": []\n        },{\n            \"id\": 2,\n            \"members\": []\n        }\n    ]\n}\n"
        );
    }
}
