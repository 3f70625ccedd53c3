//! Wrong-base detection: was a module's split BTF built against this base (vmlinux) BTF?
//!
//! Module BTF is split BTF: its type ids continue the base's ids and its string offsets continue
//! the base's string section, and both refer into the base by number only. Read over another
//! build's vmlinux, the same bytes mean something else, and neither libbpf (which checks only
//! that ids and offsets are in range) nor the kernel (which checks that the result is well formed
//! BTF) need notice. [`BaseChecker`] answers the question with a [`Verdict`]:
//!
//! - **with a `.BTF.base`** (a distilled base, `btf distill`): exactly, by relocating the module
//!   onto the base ([`Btf::relocate`]): it relocates ([`Verdict::Consistent`]) or it does not,
//!   for the reason [`RelocateFailure`] gives ([`Verdict::Inconsistent`]);
//! - **without one**, from every signal the data offers, each of which is a rule that a module
//!   read over the base it was built against cannot break:
//!   - the kernel's own rules for module BTF over this base ([`crate::validate`], the
//!     module-load path: names the kernel refuses, kinds and vlen, ids in range, ...);
//!   - references that do not exist over this base (ids past the last type, name offsets past
//!     the last string: what libbpf refuses);
//!   - how the module uses each type it references, by the rules of C and of the kernel's BTF
//!     checker: a pointer, typedef or modifier cannot target a FUNC, VAR, DATASEC or DECL_TAG; a
//!     struct member must be of a complete object type, fit inside its struct and not overlap
//!     the next member; a bitfield's type must be an integer or enum no narrower than the field;
//!     an array index must be a regular integer and its elements complete; a FUNC's type must be
//!     a FUNC_PROTO, whose return type cannot be a function, an array or a variable and whose
//!     parameters cannot be void except the last (`...`); a DATASEC entry must be a VAR that fits
//!     its slot; a VAR must have an object type; names the kernel requires to be identifiers must
//!     be identifiers;
//!   - string offsets: every name offset that points into the base string section must land on
//!     the start of a base string, and every one past it on the start of one of the module's own
//!     strings (libbpf and pahole only ever write offsets of whole strings — libbpf checks only
//!     that the offset is in range);
//!   - for ELF modules, `.modinfo`'s `vermagic` against the base's kernel release and
//!     `__versions` (modversions CRCs) against the base's symbol CRCs, when the caller knows them
//!     ([`BaseInfo`]): the kernel refuses to load a module that disagrees with either.
//!
//! **Zero false alarms.** A finding, and so [`Verdict::Inconsistent`], comes only from a rule that
//! the module, read over the base it was built against, cannot break (the corpus test holds this
//! on every module of two Debian builds over its own vmlinux). Nothing is flagged on a heuristic.
//!
//! **What "consistent" means.** Raw split BTF does not say which build it was made for, and most
//! references (pointers to structs) cannot be told from a reference to the same id in another
//! build that happens to be well formed. So without a distilled base no amount of passed checks
//! proves the base right: the verdict is then [`Verdict::Consistent`] only when something
//! identifies the base — the module's `vermagic` names the base's release as the caller knows it,
//! or its modversions CRCs match the base's — and no check fails; otherwise it is
//! [`Verdict::Undecidable`], with the reason and what was checked. (A kernel rebuilt under the
//! same release with different types, which no check catches, would pass as consistent by
//! release: that is the caller's claim about the base, reported as [`Evidence::SameRelease`].)
//!
//! **Speed.** [`BaseChecker::new`] indexes the base once (the start of every base string; the
//! relocation index is built on the first module with a `.BTF.base`); each check reads the
//! module's records in place over it, without building a [`Btf`] for raw split BTF, so one
//! checker shared by threads checks thousands of modules per second per core.
//!
//! Malformed input is an `Err` (not BTF, a broken header or record) or a finding, never a panic.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, Result};
use crate::relocate::{RelocateFailure, RelocateIndex};

mod kernel;
mod modinfo;
mod rules;
mod split;

pub use modinfo::{ModInfo, SymbolVersion};

/// The answer for one module over one base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The module belongs to this base (see [`CheckReport::evidence`] for why).
    Consistent,
    /// Some reference of the module cannot be right over this base (see [`CheckReport::findings`]).
    Inconsistent,
    /// No check failed, but nothing in the data identifies the base (see
    /// [`CheckReport::undecidable`]).
    Undecidable,
}

impl Verdict {
    /// `consistent`, `inconsistent`, `undecidable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::Inconsistent => "inconsistent",
            Verdict::Undecidable => "undecidable",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which rule a finding breaks; the grouping key of batch reports. Ordered by how directly a
/// packager can act on it (findings are listed in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The module's `.BTF.base` does not relocate onto the base.
    Relocation,
    /// `.modinfo` vermagic names another kernel release than the base's.
    Vermagic,
    /// A `__versions` CRC differs from the base's CRC of that symbol.
    SymbolCrc,
    /// The kernel's BTF checker (`btf_core::validate`) rejects the module over this base.
    KernelRules,
    /// A type id past the last type of base + module (libbpf and the kernel refuse it).
    TypeIdRange,
    /// A PTR, TYPEDEF, CONST, VOLATILE, RESTRICT or TYPE_TAG targets a FUNC, VAR, DATASEC or
    /// DECL_TAG.
    RefTarget,
    /// A struct/union member whose type is not a complete object type (void, a function, a
    /// forward declaration, a VAR, ...).
    MemberType,
    /// A member that does not fit inside its struct/union.
    MemberFit,
    /// A struct member that overlaps the next member.
    MemberOverlap,
    /// A bitfield on a type that is not an integer or enum, or wider than its type.
    Bitfield,
    /// A member that is not byte aligned although its type is not an integer.
    MemberAlign,
    /// An array's element type is not a complete object type, or its index type is not a regular
    /// integer.
    Array,
    /// A FUNC whose type is not a FUNC_PROTO.
    FuncType,
    /// A FUNC_PROTO returning a function, an array or a variable, or with a parameter that cannot
    /// be one.
    FuncProto,
    /// A VAR whose type is not an object type.
    VarType,
    /// A DATASEC entry that is not a VAR, or whose VAR does not fit its slot.
    Datasec,
    /// A DECL_TAG on a type or component that cannot carry it.
    DeclTag,
    /// A name offset past the last string of base + module (libbpf and the kernel refuse it).
    StringRange,
    /// A name offset that lands inside a string instead of at its start.
    StringStart,
    /// A name the kernel requires to be an identifier (or non-empty) is not one.
    Name,
}

impl Rule {
    /// A short name for reports and JSON (`member-fit`, `string-start`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::KernelRules => "kernel-rules",
            Rule::TypeIdRange => "type-id-range",
            Rule::StringRange => "string-range",
            Rule::StringStart => "string-start",
            Rule::Name => "name",
            Rule::RefTarget => "ref-target",
            Rule::MemberType => "member-type",
            Rule::MemberFit => "member-fit",
            Rule::MemberOverlap => "member-overlap",
            Rule::Bitfield => "bitfield",
            Rule::MemberAlign => "member-align",
            Rule::Array => "array",
            Rule::FuncType => "func-type",
            Rule::FuncProto => "func-proto",
            Rule::VarType => "var-type",
            Rule::Datasec => "datasec",
            Rule::DeclTag => "decl-tag",
            Rule::Vermagic => "vermagic",
            Rule::SymbolCrc => "symbol-crc",
            Rule::Relocation => "relocation",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reference of the module that cannot be right over this base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule the reference breaks.
    pub rule: Rule,
    /// The module type holding the reference, as numbered over this base (`None` for findings
    /// about the module as a whole: vermagic, CRCs, relocation).
    pub type_id: Option<u32>,
    /// The base type the reference lands on, when it lands in the base.
    pub base_id: Option<u32>,
    /// What is wrong and why, in words a packager acts on.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why a module was found consistent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Its `.BTF.base` (distilled base) relocates onto the base.
    Relocated,
    /// Its `vermagic` names the kernel release the caller gave for the base.
    SameRelease {
        /// The release both name, e.g. `6.1.0-54-amd64`.
        release: String,
    },
    /// Every `__versions` CRC found among the base's symbol CRCs matches (`matched` symbols).
    CrcsMatch {
        /// How many symbol CRCs were compared and matched.
        matched: usize,
    },
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Relocated => {
                f.write_str("its distilled base (.BTF.base) relocates onto this base")
            }
            Evidence::SameRelease { release } => {
                write!(
                    f,
                    "it was built for this kernel release ({release}, from .modinfo vermagic)"
                )
            }
            Evidence::CrcsMatch { matched } => {
                write!(
                    f,
                    "the modversions CRCs of its {matched} imported symbols match the base's"
                )
            }
        }
    }
}

/// Why no verdict could be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undecidable {
    /// Raw split BTF (or an ELF module the caller knows nothing about the base of) that passed
    /// every check: nothing in it identifies the build it was made for.
    NoBaseIdentity {
        /// References from module records to base types.
        base_refs: u32,
        /// Distinct base types referenced.
        base_types: u32,
        /// Highest base id referenced (0 when none).
        max_base_id: u32,
    },
    /// The module's `.BTF.base` matches several types of the base: relocation (in libbpf and
    /// in the kernel) refuses it, but that does not make the base wrong.
    AmbiguousRelocation {
        /// libbpf's reason, naming the distilled type and its candidates.
        message: String,
    },
}

impl Undecidable {
    /// A short grouping key for batch reports.
    pub fn cause(&self) -> String {
        match self {
            Undecidable::NoBaseIdentity { max_base_id: 0, .. } => {
                "no base references and nothing identifies the base".into()
            }
            Undecidable::NoBaseIdentity { .. } => {
                "every check passed, but nothing identifies the base build (raw split BTF, no .BTF.base, no known release)".into()
            }
            Undecidable::AmbiguousRelocation { .. } => "distilled base matches several base types".into(),
        }
    }
}

impl fmt::Display for Undecidable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undecidable::NoBaseIdentity { base_refs: 0, .. } => f.write_str(
                "the module references no base type, and nothing in it identifies the base it \
                 was built against (no .BTF.base, no vermagic matching a known release)",
            ),
            Undecidable::NoBaseIdentity {
                base_refs,
                base_types,
                max_base_id,
            } => write!(
                f,
                "all {base_refs} references to {base_types} base types (ids up to {max_base_id}) \
                 passed every check, but split BTF does not say which build it was made for, and \
                 the same ids in another build can be just as well formed; a .BTF.base \
                 (`btf distill`), or the base's kernel release to compare with the module's \
                 vermagic, would decide"
            ),
            Undecidable::AmbiguousRelocation { message } => write!(
                f,
                "the distilled base matches more than one type of this base ({message}); the \
                 kernel would refuse to relocate it, but the base is not shown to be wrong"
            ),
        }
    }
}

/// What the kernel's BTF rules said about the module over this base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelRules {
    /// Not run: distilled modules are decided by relocation.
    NotRun,
    /// The kernel would accept the module's BTF over this base.
    Accepted,
    /// The kernel would refuse it: the type it names (if any; a rejection without a type does not
    /// depend on the base and is only a note), errno and its verifier-log reason.
    Rejected {
        /// The module type the kernel names in its log, if any.
        type_id: Option<u32>,
        /// The errno `BPF_BTF_LOAD` would fail with (e.g. 22, `EINVAL`).
        errno: i32,
        /// The kernel verifier log's reason, e.g. `Invalid name`.
        message: String,
    },
}

/// What the caller knows about the base besides its BTF.
#[derive(Clone, Debug, Default)]
pub struct BaseInfo {
    /// The base kernel's release (`uname -r`, e.g. `6.1.0-47-amd64`), compared with the first
    /// word of a module's `.modinfo` vermagic.
    pub release: Option<String>,
    /// The base kernel's exported symbol CRCs (its `Module.symvers`), compared with a module's
    /// `__versions`. vmlinux BTF has no CRCs, so without this the CRCs cannot be checked.
    pub symbol_crcs: Option<HashMap<String, u64>>,
}

/// Counts describing what was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// Module types.
    pub types: u32,
    /// References from module records to base types.
    pub base_refs: u32,
    /// Distinct base types referenced.
    pub base_types: u32,
    /// Highest base id referenced.
    pub max_base_id: u32,
    /// Name offsets pointing into the base string section.
    pub base_string_refs: u32,
}

/// The full answer for one module over one base.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// Consistent, inconsistent or undecidable.
    pub verdict: Verdict,
    /// Why it is inconsistent: up to [`MAX_FINDINGS_PER_RULE`] findings per rule, in the order
    /// found (ids ascending); [`CheckReport::rule_counts`] counts them all.
    pub findings: Vec<Finding>,
    /// Every finding counted by rule (also those not kept in `findings`), ordered by rule.
    pub rule_counts: Vec<(Rule, u32)>,
    /// Why it is consistent.
    pub evidence: Vec<Evidence>,
    /// Why it is undecidable.
    pub undecidable: Option<Undecidable>,
    /// What the kernel's BTF rules said.
    pub kernel: KernelRules,
    /// Whether the module carries a `.BTF.base` (decided by relocation).
    pub distilled: bool,
    /// `.modinfo` of an ELF module.
    pub modinfo: Option<ModInfo>,
    /// Things the caller should know that do not change the verdict (e.g. CRCs not checked).
    pub notes: Vec<String>,
    /// What was examined: types, references into the base, string references.
    pub stats: CheckStats,
}

/// Findings kept per rule in [`CheckReport::findings`].
pub const MAX_FINDINGS_PER_RULE: usize = 8;

impl CheckReport {
    /// Total number of findings (all rules).
    pub fn finding_count(&self) -> u32 {
        self.rule_counts.iter().map(|(_, n)| n).sum()
    }

    /// Whether any finding of `rule` was made.
    pub fn has(&self, rule: Rule) -> bool {
        self.rule_counts.iter().any(|(r, _)| *r == rule)
    }

    /// One line: the verdict and its main reason.
    pub fn summary(&self) -> String {
        match self.verdict {
            Verdict::Inconsistent => {
                let first = self.findings.first().map_or("", |f| f.message.as_str());
                let n = self.finding_count();
                if n > 1 {
                    format!("inconsistent: {first} (and {} more)", n - 1)
                } else {
                    format!("inconsistent: {first}")
                }
            }
            Verdict::Consistent => {
                let why: Vec<String> = self.evidence.iter().map(Evidence::to_string).collect();
                format!("consistent: {}", why.join("; "))
            }
            Verdict::Undecidable => match &self.undecidable {
                Some(u) => format!("undecidable: {u}"),
                None => "undecidable".into(),
            },
        }
    }
}

/// The parts of a module the checker reads; [`BaseChecker::check`] finds them in raw or ELF bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ModuleParts<'a> {
    /// The module's split BTF (raw, the `.BTF` section).
    pub btf: &'a [u8],
    /// A distilled base (`.BTF.base`) the BTF is split over instead of the full base.
    pub distilled_base: Option<&'a [u8]>,
    /// The `.modinfo` section.
    pub modinfo: Option<&'a [u8]>,
    /// The `__versions` section, with the ELF's word size and byte order.
    pub versions: Option<Versions<'a>>,
}

/// A `__versions` section and how to read it.
#[derive(Clone, Copy, Debug)]
pub struct Versions<'a> {
    /// The section's bytes: entries of a CRC word and a NUL-padded name of 64 − word bytes.
    pub data: &'a [u8],
    /// 4 or 8 (the ELF class).
    pub word: usize,
    /// Whether the ELF is big-endian.
    pub big_endian: bool,
}

/// A base indexed once for checking many modules against it. `Send + Sync`: share it between
/// threads.
#[derive(Debug)]
pub struct BaseChecker {
    base: Arc<Btf>,
    info: BaseInfo,
    /// Bit `off` is set when logical string offset `off` of the base starts a string.
    str_starts: Vec<u64>,
    /// Built on the first module with a `.BTF.base`.
    reloc: OnceLock<RelocateIndex>,
}

impl BaseChecker {
    /// Indexes `base` for checking modules against it, knowing nothing else about it.
    pub fn new(base: Arc<Btf>) -> Self {
        Self::with_info(base, BaseInfo::default())
    }

    /// Indexes `base`, with what the caller knows about its kernel.
    pub fn with_info(base: Arc<Btf>, info: BaseInfo) -> Self {
        let str_starts = split::string_starts(&base);
        BaseChecker {
            base,
            info,
            str_starts,
            reloc: OnceLock::new(),
        }
    }

    /// The base.
    pub fn base(&self) -> &Arc<Btf> {
        &self.base
    }

    /// What the caller told about the base.
    pub fn info(&self) -> &BaseInfo {
        &self.info
    }

    /// Checks a module given as raw split BTF or as an ELF module (`.ko`, possibly xz-, zstd- or
    /// gzip-compressed). `Err` when the input cannot be read as either, or its BTF is malformed
    /// in a way that does not depend on the base (header, sections, record sizes).
    pub fn check(&self, data: &[u8]) -> Result<CheckReport> {
        let data = crate::read::input::decompress(data)?;
        if data.len() >= 2
            && (data[..2] == crate::raw::BTF_MAGIC.to_le_bytes()
                || data[..2] == crate::raw::BTF_MAGIC.to_be_bytes())
        {
            return self.check_parts(&ModuleParts {
                btf: &data,
                ..ModuleParts::default()
            });
        }
        let parts = modinfo::elf_parts(&data)?;
        self.check_parts(&parts)
    }

    /// Checks a module given by its parts.
    pub fn check_parts(&self, parts: &ModuleParts<'_>) -> Result<CheckReport> {
        let mut report = CheckReport {
            verdict: Verdict::Undecidable,
            findings: Vec::new(),
            rule_counts: Vec::new(),
            evidence: Vec::new(),
            undecidable: None,
            kernel: KernelRules::NotRun,
            distilled: parts.distilled_base.is_some(),
            modinfo: parts.modinfo.map(ModInfo::parse),
            notes: Vec::new(),
            stats: CheckStats::default(),
        };
        let mut sink = rules::Sink::default();
        let mut ambiguous = None;
        if let Some(dist) = parts.distilled_base {
            ambiguous = self.check_distilled(parts.btf, dist, &mut sink, &mut report)?;
        } else {
            let view = split::SplitView::read(parts.btf, &self.base, &self.str_starts)?;
            rules::check_all(&view, &mut sink);
            report.stats = view.stats();
            report.kernel = kernel::kernel_rules(parts.btf, &self.base);
            match &report.kernel {
                KernelRules::Rejected {
                    type_id: Some(id),
                    message,
                    ..
                } => {
                    let base_id = None;
                    sink.push(Rule::KernelRules, Some(*id), base_id, || {
                        format!(
                            "the kernel refuses this module's BTF over this base \
                             ('failed to validate module BTF'): {message}"
                        )
                    });
                }
                KernelRules::Rejected { message, .. } => report.notes.push(format!(
                    "the kernel would refuse this BTF whatever the base: {message}"
                )),
                _ => {}
            }
        }
        self.check_identity(parts, &mut sink, &mut report);
        let (findings, counts) = sink.finish();
        report.findings = findings;
        report.rule_counts = counts;
        report.verdict = if !report.findings.is_empty() {
            Verdict::Inconsistent
        } else if let Some(message) = ambiguous {
            report.undecidable = Some(Undecidable::AmbiguousRelocation { message });
            Verdict::Undecidable
        } else if !report.evidence.is_empty() {
            Verdict::Consistent
        } else {
            report.undecidable = Some(Undecidable::NoBaseIdentity {
                base_refs: report.stats.base_refs,
                base_types: report.stats.base_types,
                max_base_id: report.stats.max_base_id,
            });
            Verdict::Undecidable
        };
        Ok(report)
    }

    /// The `.BTF.base` path: relocate. Returns the ambiguity message when relocation was
    /// ambiguous (and nothing else failed).
    fn check_distilled(
        &self,
        btf: &[u8],
        dist: &[u8],
        sink: &mut rules::Sink,
        report: &mut CheckReport,
    ) -> Result<Option<String>> {
        let dist = Arc::new(Btf::from_bytes(dist).map_err(|e| e.context(".BTF.base"))?);
        let mut split = Btf::from_bytes_split(btf, dist).map_err(|e| e.context(".BTF"))?;
        report.stats.types = split.nr_types();
        let index = self
            .reloc
            .get_or_init(|| RelocateIndex::new(Arc::clone(&self.base)));
        let err = match split.relocate_indexed(index) {
            Ok(()) => {
                report.evidence.push(Evidence::Relocated);
                return Ok(None);
            }
            Err(e) => e,
        };
        let mut ambiguous = None;
        for f in &err.failures {
            match f {
                RelocateFailure::SizeMismatch { dist_id, .. }
                | RelocateFailure::IntEncoding { dist_id, .. }
                | RelocateFailure::Missing { dist_id, .. } => {
                    let msg = f.to_string();
                    sink.push(Rule::Relocation, Some(*dist_id), None, || msg);
                }
                RelocateFailure::UnmappedString { type_id, .. } => {
                    let msg = f.to_string();
                    sink.push(Rule::Relocation, Some(*type_id), None, || msg);
                }
                RelocateFailure::Ambiguous { .. } => {
                    ambiguous.get_or_insert_with(|| f.to_string());
                }
                RelocateFailure::NotSplit
                | RelocateFailure::SameBase
                | RelocateFailure::NotDistilled { .. }
                | RelocateFailure::EmptyBaseName { .. }
                | RelocateFailure::UnknownKind { .. } => {
                    return Err(Error::new(
                        ErrorKind::Invalid,
                        format!("cannot check the module's .BTF.base: {f}"),
                    ));
                }
            }
        }
        Ok(ambiguous)
    }

    /// vermagic and modversions CRCs against what the caller knows about the base.
    fn check_identity(
        &self,
        parts: &ModuleParts<'_>,
        sink: &mut rules::Sink,
        report: &mut CheckReport,
    ) {
        let release = report
            .modinfo
            .as_ref()
            .and_then(|m| m.vermagic.as_deref())
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_owned);
        match (&release, &self.info.release) {
            (Some(module), Some(base)) if module == base => {
                report.evidence.push(Evidence::SameRelease {
                    release: base.clone(),
                });
            }
            (Some(module), Some(base)) => {
                sink.push(Rule::Vermagic, None, None, || {
                    format!(
                        "the module was built for kernel release {module} (.modinfo vermagic), \
                         the base is {base}: the kernel refuses to load it ('version magic')"
                    )
                });
            }
            (None, Some(_)) if parts.modinfo.is_some() => report
                .notes
                .push(".modinfo has no vermagic: the kernel release was not compared".into()),
            (Some(module), None) => report.notes.push(format!(
                "built for kernel release {module} (vermagic); the base's release is not known, \
                 so it was not compared"
            )),
            _ => {}
        }
        let Some(versions) = parts.versions else {
            return;
        };
        let symbols = modinfo::parse_versions(&versions);
        let Some(crcs) = &self.info.symbol_crcs else {
            if !symbols.is_empty() {
                report.notes.push(format!(
                    "__versions lists {} symbol CRCs; vmlinux BTF has no CRCs, so they were not \
                     compared (give the base's Module.symvers to compare them)",
                    symbols.len()
                ));
            }
            return;
        };
        let (mut matched, mut unknown) = (0usize, 0usize);
        for s in &symbols {
            match crcs.get(&s.name) {
                Some(&crc) if crc == s.crc => matched += 1,
                Some(&crc) => sink.push(Rule::SymbolCrc, None, None, || {
                    format!(
                        "the module imports {} with CRC {:#010x}, the base exports it with \
                         {crc:#010x}: the kernel refuses to load it ('disagrees about version of \
                         symbol {}')",
                        s.name, s.crc, s.name
                    )
                }),
                None => unknown += 1,
            }
        }
        if unknown > 0 {
            report.notes.push(format!(
                "{unknown} of {} imported symbols are not among the base's CRCs (exported by \
                 other modules?)",
                symbols.len()
            ));
        }
        if matched > 0 && !sink.has(Rule::SymbolCrc) {
            report.evidence.push(Evidence::CrcsMatch { matched });
        }
    }
}

/// Checks one module against `base` ([`BaseChecker::check`]); to check many, make one
/// [`BaseChecker`] and reuse it.
pub fn check_module(data: &[u8], base: Arc<Btf>) -> Result<CheckReport> {
    BaseChecker::new(base).check(data)
}

#[cfg(test)]
mod tests;
