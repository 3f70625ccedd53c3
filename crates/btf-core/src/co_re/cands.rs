//! Candidate search: the target types a local type may correspond to (`bpf_core_find_cands`,
//! `bpf_core_add_cands`, `bpf_core_essential_name_len`, `btf_kind_core_compat`), and the per-type
//! cache `bpf_object__relocate_core` keeps across relocations.

use std::collections::HashMap;

use super::log::Log;
use super::{CoreError, EINVAL, btf_kind_str, is_any_enum, name_at, text};
use crate::model::index::EssentialIndex;
use crate::{Btf, TypeRef};

/// Length of `name` without its flavour suffix: everything from the last `___` that has a
/// non-underscore on each side (`task_struct___old` → 11); the whole length when there is none.
pub fn essential_name_len(name: &[u8]) -> usize {
    let n = name.len();
    if n < 5 {
        return n;
    }
    for i in (0..=n - 5).rev() {
        let s = &name[i..];
        if s[0] != b'_' && s[1] == b'_' && s[2] == b'_' && s[3] == b'_' && s[4] != b'_' {
            return i + 1;
        }
    }
    n
}

/// Whether two types may be CO-RE counterparts by kind: the same kind, or ENUM with ENUM64.
pub fn kind_core_compat(a: &TypeRef<'_>, b: &TypeRef<'_>) -> bool {
    a.kind_raw() == b.kind_raw() || (is_any_enum(a) && is_any_enum(b))
}

/// Where relocations are resolved: one kernel BTF and, optionally, module BTFs split over it.
///
/// libbpf searches the kernel BTF first and looks at modules only when it found no candidate
/// there, and never when the kernel BTF was given as `btf_custom_path` (then it is the only
/// target): [`Targets::custom`] is that case, [`Targets::kernel`] the other.
#[derive(Clone, Debug)]
pub struct Targets<'a> {
    vmlinux: &'a Btf,
    modules: Vec<(String, &'a Btf)>,
    search_modules: bool,
}

impl<'a> Targets<'a> {
    /// One target given by the user (`btf_custom_path`): modules are never searched.
    pub fn custom(vmlinux: &'a Btf) -> Self {
        Targets {
            vmlinux,
            modules: Vec::new(),
            search_modules: false,
        }
    }

    /// The running kernel's BTF and its modules (each split over `vmlinux`), by module name.
    pub fn kernel(vmlinux: &'a Btf, modules: Vec<(String, &'a Btf)>) -> Self {
        Targets {
            vmlinux,
            modules,
            search_modules: true,
        }
    }

    /// Number of target BTFs: index 0 is the kernel, `1..` the modules in the order given.
    pub fn len(&self) -> usize {
        1 + self.modules.len()
    }

    /// Always false: there is always a kernel BTF.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The target BTF with index `i` (0 = kernel).
    pub fn btf(&self, i: usize) -> Option<&'a Btf> {
        if i == 0 {
            Some(self.vmlinux)
        } else {
            self.modules.get(i - 1).map(|m| m.1)
        }
    }

    /// The name libbpf gives target `i` in its log: `vmlinux` or the module's name.
    pub fn name(&self, i: usize) -> &str {
        if i == 0 {
            "vmlinux"
        } else {
            self.modules.get(i - 1).map_or("?", |m| m.0.as_str())
        }
    }

    /// The kernel BTF.
    pub fn vmlinux(&self) -> &'a Btf {
        self.vmlinux
    }
}

/// One candidate: a target BTF (index into [`Targets`]) and a type id in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// Index of the target BTF in [`Targets`].
    pub target: usize,
    /// The candidate type's id in that BTF.
    pub type_id: u32,
}

/// Candidate lists per local root type id, shared by all relocations of one object. As in libbpf,
/// a relocation that matches some candidates prunes the cached list to those, and later
/// relocations of the same type see only them.
#[derive(Clone, Debug, Default)]
pub struct CandidateCache {
    map: HashMap<u32, Vec<Candidate>>,
}

impl CandidateCache {
    /// The cached list for local type `id`, if it was searched.
    pub fn get(&self, id: u32) -> Option<&[Candidate]> {
        self.map.get(&id).map(Vec::as_slice)
    }
    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut Vec<Candidate>> {
        self.map.get_mut(&id)
    }
    pub(crate) fn insert(&mut self, id: u32, cands: Vec<Candidate>) {
        self.map.insert(id, cands);
    }
}

/// Calls `f` with each type id of `btf` (base chain included) from `start_id` on whose kind is
/// CO-RE-compatible with `kind` and whose name's essential part is `key`, in ascending order: what
/// a scan of every id would find, looked up in each object's [`EssentialIndex`] (built on first
/// use and kept with the object).
fn each_candidate(btf: &Btf, kind: u32, key: &[u8], start_id: u32, f: &mut impl FnMut(u32)) {
    if start_id < btf.start_id() {
        if let Some(base) = &btf.base {
            each_candidate(base, kind, key, start_id, f);
        }
    }
    let ids = btf
        .essential_names
        .get_or_init(EssentialIndex::default)
        .find(btf, kind, key);
    let from = ids.partition_point(|&id| id < start_id);
    for &id in &ids[from..] {
        f(id);
    }
}

/// `bpf_core_add_cands`: appends every type of `targ` from `start_id` on whose kind is compatible
/// with the local type and whose essential name equals the local one, in id order.
#[allow(clippy::too_many_arguments)]
fn add_cands(
    local: &Btf,
    local_t: &TypeRef<'_>,
    local_essent_len: usize,
    targets: &Targets<'_>,
    target: usize,
    start_id: u32,
    out: &mut Vec<Candidate>,
    log: &mut Log,
) {
    let Some(targ) = targets.btf(target) else {
        return;
    };
    let local_name = name_at(local, local_t.name_off());
    let key = &local_name[..local_essent_len.min(local_name.len())];
    if key.is_empty() {
        return;
    }
    each_candidate(targ, local_t.kind_raw(), key, start_id.max(1), &mut |id| {
        let Some(t) = targ.type_by_id(id) else {
            return;
        };
        debug_assert!(kind_core_compat(&t, local_t));
        log.debug(format!(
            "CO-RE relocating [{}] {} {}: found target candidate [{}] {} {} in [{}]",
            local_t.id(),
            btf_kind_str(local_t.kind_raw()),
            text(local_name),
            id,
            btf_kind_str(t.kind_raw()),
            text(name_at(targ, t.name_off())),
            targets.name(target)
        ));
        out.push(Candidate {
            target,
            type_id: id,
        });
    });
}

/// `bpf_core_find_cands`: candidates for local type `local_id` in the kernel BTF, then (only if
/// there were none and module search is on) in each module's own types.
pub fn find_cands(
    local: &Btf,
    local_id: u32,
    targets: &Targets<'_>,
) -> (Result<Vec<Candidate>, CoreError>, Vec<super::LogLine>) {
    let mut log = Log::default();
    let r = find_cands_logged(local, local_id, targets, &mut log);
    (r, log.lines)
}

pub(crate) fn find_cands_logged(
    local: &Btf,
    local_id: u32,
    targets: &Targets<'_>,
    log: &mut Log,
) -> Result<Vec<Candidate>, CoreError> {
    let local_t = local
        .type_by_id(local_id)
        .ok_or_else(|| CoreError::new(EINVAL, format!("local type [{local_id}] does not exist")))?;
    let local_name = name_at(local, local_t.name_off());
    if local_name.is_empty() {
        return Err(CoreError::new(
            EINVAL,
            format!("local type [{local_id}] is anonymous: no candidates can be searched"),
        ));
    }
    let essent = essential_name_len(local_name);
    let mut out = Vec::new();
    add_cands(local, &local_t, essent, targets, 0, 1, &mut out, log);
    if !out.is_empty() || !targets.search_modules {
        return Ok(out);
    }
    let start = targets.vmlinux.type_cnt();
    for m in 1..targets.len() {
        add_cands(local, &local_t, essent, targets, m, start, &mut out, log);
    }
    Ok(out)
}
