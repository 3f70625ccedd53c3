//! bpftool's raw text format (`bpftool btf dump file F [-B base] format raw`), byte for byte as
//! Debian's bpftool 7.1 prints it: one `[id] KIND 'name' details` line per type, members, values,
//! parameters and DATASEC entries on tab-indented continuation lines.

use std::io::{self, Write};

use crate::model::btf::Btf;
use crate::model::raw::{INT_BOOL, INT_CHAR, INT_SIGNED, Kind};
use crate::model::types::TypeRef;

fn int_encoding(enc: u32) -> &'static str {
    match enc {
        0 => "(none)",
        INT_SIGNED => "SIGNED",
        INT_CHAR => "CHAR",
        INT_BOOL => "BOOL",
        _ => "UNKN",
    }
}

fn var_linkage(linkage: u32) -> &'static str {
    match linkage {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "(unknown)",
    }
}

fn func_linkage(vlen: u32) -> &'static str {
    match vlen {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "(unknown)",
    }
}

/// A kind name for the header line; kinds bpftool does not know print as `UNKNOWN`.
fn kind_str(t: &TypeRef<'_>) -> &'static str {
    t.kind().map_or("UNKNOWN", Kind::name)
}

/// Renders names as bpftool does: `(anon)` for offset 0, `(invalid)` when unresolvable.
struct Names<'a>(&'a Btf);

impl Names<'_> {
    fn get(&self, off: u32) -> &[u8] {
        if off == 0 {
            return b"(anon)";
        }
        self.0.str_bytes(off).unwrap_or(b"(invalid)")
    }
}

fn quoted(out: &mut impl Write, name: &[u8]) -> io::Result<()> {
    out.write_all(b"'")?;
    out.write_all(name)?;
    out.write_all(b"'")
}

/// Writes one type in bpftool's raw format, newline included.
pub fn write_raw_type(out: &mut impl Write, btf: &Btf, t: &TypeRef<'_>) -> io::Result<()> {
    let names = Names(btf);
    write!(out, "[{}] {} ", t.id(), kind_str(t))?;
    quoted(out, names.get(t.name_off()))?;
    match t.kind() {
        Some(Kind::Int) => write!(
            out,
            " size={} bits_offset={} nr_bits={} encoding={}",
            t.size(),
            t.int_offset(),
            t.int_bits(),
            int_encoding(t.int_encoding())
        )?,
        Some(
            Kind::Ptr
            | Kind::Const
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Typedef
            | Kind::TypeTag,
        ) => write!(out, " type_id={}", t.type_id())?,
        Some(Kind::Array) => {
            let a = t.array();
            write!(
                out,
                " type_id={} index_type_id={} nr_elems={}",
                a.elem_type, a.index_type, a.nelems
            )?
        }
        Some(Kind::Struct | Kind::Union) => {
            write!(out, " size={} vlen={}", t.size(), t.vlen())?;
            for m in t.members() {
                out.write_all(b"\n\t")?;
                quoted(out, names.get(m.name_off))?;
                write!(out, " type_id={} bits_offset={}", m.type_id, m.bit_offset())?;
                if m.bitfield_size() != 0 {
                    write!(out, " bitfield_size={}", m.bitfield_size())?;
                }
            }
        }
        Some(Kind::Enum) => {
            let signed = t.kflag();
            let enc = if signed { "SIGNED" } else { "UNSIGNED" };
            write!(out, " encoding={enc} size={} vlen={}", t.size(), t.vlen())?;
            for v in t.enum_values() {
                out.write_all(b"\n\t")?;
                quoted(out, names.get(v.name_off))?;
                if signed {
                    write!(out, " val={}", v.val as i32)?;
                } else {
                    write!(out, " val={}", v.val)?;
                }
            }
        }
        Some(Kind::Enum64) => {
            let signed = t.kflag();
            let enc = if signed { "SIGNED" } else { "UNSIGNED" };
            write!(out, " encoding={enc} size={} vlen={}", t.size(), t.vlen())?;
            for v in t.enum64_values() {
                out.write_all(b"\n\t")?;
                quoted(out, names.get(v.name_off))?;
                if signed {
                    write!(out, " val={}LL", v.val as i64)?;
                } else {
                    write!(out, " val={}ULL", v.val)?;
                }
            }
        }
        Some(Kind::Fwd) => write!(
            out,
            " fwd_kind={}",
            if t.kflag() { "union" } else { "struct" }
        )?,
        Some(Kind::Func) => write!(
            out,
            " type_id={} linkage={}",
            t.type_id(),
            func_linkage(t.vlen())
        )?,
        Some(Kind::FuncProto) => {
            write!(out, " ret_type_id={} vlen={}", t.type_id(), t.vlen())?;
            for p in t.params() {
                out.write_all(b"\n\t")?;
                quoted(out, names.get(p.name_off))?;
                write!(out, " type_id={}", p.type_id)?;
            }
        }
        Some(Kind::Var) => write!(
            out,
            " type_id={}, linkage={}",
            t.type_id(),
            var_linkage(t.var_linkage())
        )?,
        Some(Kind::Datasec) => {
            write!(out, " size={} vlen={}", t.size(), t.vlen())?;
            for v in t.datasec_vars() {
                write!(
                    out,
                    "\n\ttype_id={} offset={} size={}",
                    v.type_id, v.offset, v.size
                )?;
                if let Some(vt) = btf.type_by_id(v.type_id) {
                    write!(out, " ({} ", kind_str(&vt))?;
                    quoted(out, names.get(vt.name_off()))?;
                    out.write_all(b")")?;
                }
            }
        }
        Some(Kind::Float) => write!(out, " size={}", t.size())?,
        Some(Kind::DeclTag) => write!(
            out,
            " type_id={} component_idx={}",
            t.type_id(),
            t.decl_tag_component_idx()
        )?,
        Some(Kind::Unkn) | None => {}
    }
    out.write_all(b"\n")
}

/// Writes every own type (split BTF: only the split's types, as bpftool does).
pub fn write_raw_dump(out: &mut impl Write, btf: &Btf) -> io::Result<()> {
    for t in btf.types() {
        write_raw_type(out, btf, &t)?;
    }
    Ok(())
}
