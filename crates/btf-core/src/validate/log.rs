//! The verifier log's text: `btf_verifier_log_type` (`[id] KIND name details reason`),
//! `btf_verifier_log_basic` (no details), member and DATASEC-entry lines, each piece cut at 1023
//! bytes as `bpf_verifier_vlog` does.

use super::env::*;
use super::{EINVAL, Rejection};

const TMP_LOG: usize = 1023;

const KIND_STR: [&str; 20] = [
    "UNKNOWN",
    "INT",
    "PTR",
    "ARRAY",
    "STRUCT",
    "UNION",
    "ENUM",
    "FWD",
    "TYPEDEF",
    "VOLATILE",
    "CONST",
    "RESTRICT",
    "FUNC",
    "FUNC_PROTO",
    "VAR",
    "DATASEC",
    "FLOAT",
    "DECL_TAG",
    "TYPE_TAG",
    "ENUM64",
];

pub(super) fn kind_str(k: u32) -> &'static str {
    KIND_STR.get(k as usize).copied().unwrap_or("UNKNOWN")
}

/// One `bpf_verifier_vlog` call: its output is cut at 1023 bytes.
fn put(buf: &mut Vec<u8>, piece: &[u8]) {
    buf.extend_from_slice(&piece[..piece.len().min(TMP_LOG)]);
}

/// The last line of a log text (what follows the last newline).
pub(super) fn last_line(b: &[u8]) -> String {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    let start = b.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    String::from_utf8_lossy(&b[start..]).into_owned()
}

impl Env<'_> {
    /// `__btf_name_by_offset`: "(anon)" for 0, "(invalid-name-offset)" when out of range.
    pub(super) fn log_name(&self, off: u32) -> Vec<u8> {
        if off == 0 {
            return b"(anon)".to_vec();
        }
        match self.str_at(off) {
            Some(s) => s.to_vec(),
            None => b"(invalid-name-offset)".to_vec(),
        }
    }

    /// The kind's `log_details` text.
    fn details(&self, buf: &mut Vec<u8>, t: &T<'_>) {
        let s = match t.kind() {
            K_INT => {
                let d = t.word(3);
                let enc = match (d >> 24) & 0x0f {
                    0 => "(none)",
                    1 => "SIGNED",
                    2 => "CHAR",
                    4 => "BOOL",
                    _ => "UNKN",
                };
                format!(
                    "size={} bits_offset={} nr_bits={} encoding={}",
                    t.st(),
                    (d >> 16) & 0xff,
                    d & 0xff,
                    enc
                )
            }
            K_PTR | K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG | K_FUNC => {
                format!("type_id={}", t.st())
            }
            K_FWD => (if t.kflag() { "union" } else { "struct" }).to_string(),
            K_ARRAY => format!(
                "type_id={} index_type_id={} nr_elems={}",
                t.word(3),
                t.word(4),
                t.word(5)
            ),
            K_STRUCT | K_UNION | K_ENUM | K_ENUM64 | K_DATASEC => {
                format!("size={} vlen={}", t.st(), t.vlen())
            }
            K_FUNC_PROTO => {
                put(buf, format!("return={} args=(", t.st()).as_bytes());
                let n = t.vlen() as usize;
                let arg = |i: usize| (t.word(3 + 2 * i), t.word(4 + 2 * i));
                if n == 0 {
                    put(buf, b"void");
                } else if n == 1 && arg(0).1 == 0 {
                    put(buf, b"vararg");
                } else {
                    let one = |buf: &mut Vec<u8>, sep: &str, i: usize| {
                        let (name, ty) = arg(i);
                        let mut p = format!("{sep}{ty} ").into_bytes();
                        p.extend_from_slice(&self.log_name(name));
                        put(buf, &p);
                    };
                    one(buf, "", 0);
                    for i in 1..n.saturating_sub(1) {
                        one(buf, ", ", i);
                    }
                    if n > 1 {
                        if arg(n - 1).1 != 0 {
                            one(buf, ", ", n - 1);
                        } else {
                            put(buf, b", vararg");
                        }
                    }
                }
                put(buf, b")");
                return;
            }
            K_VAR => format!("type_id={} linkage={}", t.st(), t.word(3)),
            K_FLOAT => format!("size={}", t.st()),
            K_DECL_TAG => format!("type={} component_idx={}", t.st(), t.word(3) as i32),
            _ => String::new(),
        };
        put(buf, s.as_bytes());
    }

    /// `__btf_verifier_log_type` with `log_details` and an optional reason.
    pub(super) fn type_text(&self, id: u32, t: &T<'_>, details: bool, reason: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut head = format!("[{id}] {} ", kind_str(t.kind())).into_bytes();
        head.extend_from_slice(&self.log_name(t.name_off()));
        if details {
            head.push(b' ');
        }
        put(&mut buf, &head);
        if details {
            self.details(&mut buf, t);
        }
        if !reason.is_empty() {
            put(&mut buf, b" ");
            put(&mut buf, reason.as_bytes());
        }
        buf
    }

    /// A rejection logged with `btf_verifier_log_type` (details) or `_basic` (none).
    pub(super) fn reject_type(&self, id: u32, t: &T<'_>, details: bool, reason: &str) -> Rejection {
        Rejection {
            type_id: Some(id),
            errno: EINVAL,
            message: last_line(&self.type_text(id, t, details, reason)),
            context: None,
        }
    }

    /// `btf_verifier_log_member`; `resolving` adds the owning type's line as context.
    pub(super) fn reject_member(
        &self,
        id: u32,
        st: &T<'_>,
        m: [u32; 3],
        reason: &str,
        resolving: bool,
    ) -> Rejection {
        let mut p = b"\t".to_vec();
        p.extend_from_slice(&self.log_name(m[0]));
        let tail = if st.kflag() {
            format!(
                " type_id={} bitfield_size={} bits_offset={}",
                m[1],
                m[2] >> 24,
                m[2] & 0x00ff_ffff
            )
        } else {
            format!(" type_id={} bits_offset={}", m[1], m[2])
        };
        p.extend_from_slice(tail.as_bytes());
        let mut buf = Vec::new();
        put(&mut buf, &p);
        put(&mut buf, b" ");
        put(&mut buf, reason.as_bytes());
        Rejection {
            type_id: Some(id),
            errno: EINVAL,
            message: last_line(&buf),
            context: resolving.then(|| last_line(&self.type_text(id, st, true, ""))),
        }
    }

    /// `btf_verifier_log_vsi`.
    pub(super) fn reject_vsi(
        &self,
        id: u32,
        dt: &T<'_>,
        v: [u32; 3],
        reason: &str,
        resolving: bool,
    ) -> Rejection {
        Rejection {
            type_id: Some(id),
            errno: EINVAL,
            message: format!("\t type_id={} offset={} size={} {reason}", v[0], v[1], v[2]),
            context: resolving.then(|| last_line(&self.type_text(id, dt, true, ""))),
        }
    }

    /// A plain `btf_verifier_log` line naming a type id.
    pub(super) fn reject_plain(&self, id: u32, errno: i32, msg: String) -> Rejection {
        Rejection {
            type_id: Some(id),
            errno,
            message: msg,
            context: None,
        }
    }
}
