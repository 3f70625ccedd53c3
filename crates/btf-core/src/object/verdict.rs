//! A BPF object's CO-RE relocations against a target kernel, as libbpf applies them when loading
//! (`bpf_object__relocate_core`), and which failures the verifier would actually see.
//!
//! A relocation that matches nothing does not fail the load by itself: libbpf poisons its
//! instruction, and the program is rejected only if that instruction is reachable once every
//! other relocation of the function has written its value ([`reach`](super::reach)).

use crate::co_re::{
    Patched, ProgSite, ReloSection, ReloSite, RelocateReport, ResolveOptions, Targets,
    relocate_object,
};
use crate::ext::BtfExt;

use super::insn::{self, INSN_SIZE};
use super::{BpfObject, reach};

/// How one relocation fared on a target, from a program's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Resolved; the instruction got its value.
    Resolved,
    /// Nothing matched and the poisoned instruction is dead code: a guard (an existence check)
    /// keeps the program loadable.
    Guarded,
    /// Nothing matched and the poisoned instruction is reachable: the verifier rejects the
    /// program.
    Unguarded,
    /// Resolution or patching failed (e.g. ambiguous candidates): libbpf fails the whole load.
    Error,
    /// libbpf does not process the record (it belongs to no function, or to a program that is not
    /// loaded by default).
    Skipped,
}

impl Verdict {
    /// Whether this outcome stops the program (or object) from loading.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Unguarded | Verdict::Error)
    }
}

impl BpfObject {
    /// The object's CO-RE records by section, each with the function its instruction belongs to,
    /// as libbpf finds them (no `.BTF.ext` or no CO-RE records: empty).
    pub fn relo_sections(&self) -> Vec<ReloSection> {
        let Some(ext) = &self.ext else {
            return Vec::new();
        };
        relo_sections(self, ext)
    }

    /// Resolves and patches every CO-RE relocation against `targets`, as libbpf would when
    /// loading this object there, and judges each outcome ([`Verdict`], one per outcome of the
    /// report, in the same order).
    pub fn relocate_core<'a>(
        &'a self,
        targets: &Targets<'a>,
        options: &ResolveOptions,
    ) -> (RelocateReport<'a>, Vec<Verdict>) {
        let sections = self.relo_sections();
        let report = relocate_object(&self.btf, &sections, targets, options);
        let verdicts = self.verdicts(&report);
        (report, verdicts)
    }

    fn verdicts(&self, report: &RelocateReport<'_>) -> Vec<Verdict> {
        let mut verdicts: Vec<Verdict> = report
            .outcomes
            .iter()
            .map(|o| match (&o.resolution, &o.patch) {
                (None, _) => Verdict::Skipped,
                (Some(r), _) if r.error.is_some() => Verdict::Error,
                (Some(_), Some(p)) if p.result.is_err() => Verdict::Error,
                // Poisoned when resolution found no target, or when patching refused the value
                // (a load whose size cannot be adjusted safely).
                (Some(r), p)
                    if r.res.is_some_and(|res| res.poison)
                        || p.as_ref()
                            .is_some_and(|p| matches!(p.result, Ok(Patched::Poisoned { .. }))) =>
                {
                    Verdict::Unguarded
                }
                (Some(_), _) => Verdict::Resolved,
            })
            .collect();

        // Poisoned instructions: is each one reachable in its function, with every patch of that
        // function applied?
        for function in &self.functions {
            let section = &self.sections[function.section];
            let in_function = |o: &crate::co_re::ReloOutcome<'_>| {
                o.section == section.name
                    && o.prog_name.as_deref() == Some(function.name.as_str())
                    && o.insn_idx.is_some_and(|i| i < function.insn_count)
            };
            let poisoned: Vec<usize> = (0..report.outcomes.len())
                .filter(|&i| verdicts[i] == Verdict::Unguarded && in_function(&report.outcomes[i]))
                .collect();
            if poisoned.is_empty() {
                continue;
            }
            let start = function.first_insn * INSN_SIZE;
            let mut bytes = section.bytes[start..start + function.insn_count * INSN_SIZE].to_vec();
            for outcome in report.outcomes.iter().filter(|o| in_function(o)) {
                let (Some(at), Some(patch)) = (outcome.insn_idx, &outcome.patch) else {
                    continue;
                };
                let from = at * INSN_SIZE;
                let len = patch.bytes.len().min(bytes.len().saturating_sub(from));
                bytes[from..from + len].copy_from_slice(&patch.bytes[..len]);
            }
            let live = reach::reachable(&insn::decode_all(&bytes, self.endianness));
            for i in poisoned {
                let at = report.outcomes[i].insn_idx.unwrap_or(0);
                if !live.get(at).copied().unwrap_or(true) {
                    verdicts[i] = Verdict::Guarded;
                }
            }
        }
        verdicts
    }
}

fn relo_sections(object: &BpfObject, ext: &BtfExt) -> Vec<ReloSection> {
    ext.core_relo()
        .map(|sec| {
            let name = sec
                .name(&object.btf)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let code = object.section_by_name(&name);
            let relos = sec
                .records()
                .map(|relo| {
                    let insn = (relo.insn_off / INSN_SIZE as u32) as usize;
                    let prog = code.and_then(|s| object.function_at(s, insn)).map(|f| {
                        let bytes = &object.sections[f.section].bytes;
                        let from = insn * INSN_SIZE;
                        // The instruction and the next (an `LD_IMM64` takes two), within the function.
                        let end = (f.first_insn + f.insn_count) * INSN_SIZE;
                        let to = (from + 2 * INSN_SIZE).min(end);
                        ProgSite {
                            name: f.name.clone(),
                            insn_idx: insn - f.first_insn,
                            // libbpf's `SEC("?...")` programs start out not loaded.
                            autoload: !object.sections[f.section].name.starts_with('?'),
                            insn: bytes[from..to].to_vec(),
                        }
                    });
                    ReloSite { relo, prog }
                })
                .collect();
            ReloSection { name, relos }
        })
        .collect()
}
