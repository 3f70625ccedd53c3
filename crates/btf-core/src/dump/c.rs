//! BTF as C declarations, as libbpf 1.7.0's `btf_dump` writes them (`btf_dump__new`,
//! `btf_dump__dump_type`, `btf_dump__emit_type_decl`): the text of a `vmlinux.h`.
//!
//! A [`CDump`] remembers what it has written: each call of [`CDump::dump_type`] writes the
//! definitions the type needs that earlier calls did not write yet, dependencies first, and
//! forward declarations where C allows one (a named struct or union reached through a pointer).
//! Names that repeat get libbpf's `___N` suffixes, counted per dumper in two namespaces: struct,
//! union and enum tags in one, typedefs and enumerators in the other.
//!
//! Two passes per call, as in libbpf: ordering (a depth-first walk that queues every named
//! definition after what it embeds, and tells strong links — the type must be complete — from
//! weak ones — a forward declaration will do), then emitting the queue.

use std::borrow::Cow;
use std::io::Write;

use foldhash::fast::FixedState;

use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::raw::Kind;
use crate::model::types::TypeRef;

/// Where ordering stands for one type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Order {
    #[default]
    Unordered,
    Ordering,
    Ordered,
}

/// Where emitting stands for one type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Emit {
    #[default]
    NotEmitted,
    Emitting,
    Emitted,
}

/// What the dumper knows about one type id.
#[derive(Clone, Copy, Debug, Default)]
struct TypeState {
    order: Order,
    emit: Emit,
    /// A forward declaration (or, for a typedef, the definition) was written.
    fwd_emitted: bool,
    /// The name was checked against earlier ones (see [`CDump::resolve_name`]).
    name_resolved: bool,
    /// Some other type refers to this one (an anonymous enum nobody refers to is a top-level
    /// declaration of constants).
    referenced: bool,
}

/// Which name space a name is counted in.
#[derive(Clone, Copy, Debug)]
enum Names {
    /// struct, union and enum tags.
    Tags,
    /// typedef names and enumerators.
    Idents,
}

/// GCC's internal names for Arm SIMD polynomial types, which it leaves in BTF as INTs; a dump
/// aliases them to standard types so that the header compiles elsewhere.
const POLY_ALIASES: [(&[u8], &str); 4] = [
    (b"__Poly8_t", "unsigned char"),
    (b"__Poly16_t", "unsigned short"),
    (b"__Poly64_t", "unsigned long long"),
    (b"__Poly128_t", "unsigned __int128"),
];

/// Longest name with a `___N` suffix libbpf writes (it formats into 256 bytes).
const MAX_SUFFIXED_NAME: usize = 255;

/// Deepest nesting the dumper follows (types within types, declarators within declarators).
/// Real BTF nests a few levels; hostile BTF (reference cycles through pointers and modifiers,
/// which libbpf follows until its stack overflows, or millions of nested anonymous structs) stops
/// here with an error or a warning instead (the corpus nests less than 24 deep; this fits a 1 MiB
/// thread stack with room to spare).
pub(super) const MAX_NESTING: usize = 256;

/// The least text one call may write by default (see [`CDump::set_output_limit`]).
const DEFAULT_OUTPUT_FLOOR: usize = 16 << 20;

/// Bytes of text one call may write by default per byte of BTF (base included). A whole
/// vmlinux.h is 0.5 to 0.55 bytes per byte of its BTF (the corpus); hostile BTF can ask for far more (anonymous
/// structs written inline at every use double the text per level; padding to a member at bit
/// 2^31 is 2^25 lines), which libbpf writes until memory or patience runs out.
const DEFAULT_OUTPUT_PER_BTF_BYTE: usize = 16;

/// Hash maps of the dumper: names are short, and hashing them dominates with SipHash.
type FastMap<K, V> = hashbrown::HashMap<K, V, FixedState>;

/// How often each name was used, in one name space: the names are copied once into one arena
/// (tens of thousands of them in a vmlinux.h; one allocation each would dominate), and the table
/// holds their places in it.
#[derive(Debug, Default)]
struct NameCounts {
    arena: Vec<u8>,
    /// (start in `arena`, length, uses).
    table: hashbrown::HashTable<(u32, u32, usize)>,
}

impl NameCounts {
    fn hash(name: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        FixedState::default().hash_one(name)
    }

    /// Counts one more use of `name`; returns the uses so far.
    fn bump(&mut self, name: &[u8]) -> usize {
        let hash = Self::hash(name);
        let arena = &self.arena;
        let at =
            |&(start, len, _): &(u32, u32, usize)| &arena[start as usize..(start + len) as usize];
        if let Some(entry) = self.table.find_mut(hash, |e| at(e) == name) {
            entry.2 += 1;
            return entry.2;
        }
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(name);
        let arena = &self.arena;
        self.table
            .insert_unique(hash, (start, name.len() as u32, 1), |&(s, l, _)| {
                Self::hash(&arena[s as usize..(s + l) as usize])
            });
        1
    }
}

/// A C-declarations writer over one BTF object (libbpf's `struct btf_dump`).
#[derive(Debug)]
pub struct CDump<'a> {
    pub(super) btf: &'a Btf,
    pub(super) pointer_size: u32,
    pub(super) strip_mods: bool,
    /// Anonymous structs, unions and enums are named, not defined, in declarations (type casts
    /// of the typed-data dump).
    pub(super) skip_anon_defs: bool,
    /// One past the highest id whose state exists (types added to the BTF later are picked up
    /// by the next call, as in libbpf).
    known: u32,
    states: Vec<TypeState>,
    /// What `state` hands out for ids past the last type.
    scratch: TypeState,
    /// Names with a `___N` suffix, by id.
    suffixed: FastMap<u32, Vec<u8>>,
    tag_counts: NameCounts,
    ident_counts: NameCounts,
    /// Alignments of the structs and unions seen, by id (`u32::MAX`: not yet).
    aligns: Vec<u32>,
    /// `resolve_size` of each type id, computed once (`None`: not yet; `Some(None)`: fails).
    sizes: Vec<Option<Option<u64>>>,
    /// What each type id stands for past modifiers and typedefs, for typed data (0: not yet;
    /// `u32::MAX`: nothing, a chain that ends nowhere or loops; else the id plus one). Hostile
    /// BTF has chains as long as the type count, walked once per array element without this.
    pub(super) skips: Vec<u32>,
    /// The declarator chains being written, innermost type last: one frame per declaration
    /// being written, nested ones above (libbpf's shared decl stack).
    decl_stack: Vec<u32>,
    queue: Vec<u32>,
    pub(super) out: Vec<u8>,
    pub(super) warnings: Vec<String>,
    /// Current nesting of `order`, `emit_type` and `type_chain` (see [`MAX_NESTING`]).
    pub(super) depth: usize,
    /// The work one call may do: bytes written plus types and declarators visited.
    output_limit: usize,
    /// The bound of the current call: `output_limit`, plus what typed data adds for its data.
    call_limit: usize,
    /// Where the text of the current call starts in `out`.
    call_start: usize,
    /// Types and declarators visited by the current call.
    visits: usize,
    /// The current call passed `output_limit`: everything it still has to do is skipped.
    over_limit: bool,
}

/// The default work bound of one call over `btf`: [`DEFAULT_OUTPUT_PER_BTF_BYTE`] per byte of
/// its types and strings and those of its bases, at least [`DEFAULT_OUTPUT_FLOOR`].
fn default_output_limit(btf: &Btf) -> usize {
    let mut bytes = 0usize;
    let mut next = Some(btf);
    while let Some(b) = next {
        let h = b.header();
        bytes = bytes.saturating_add(h.type_len as usize + h.str_len as usize);
        next = b.base().map(|base| &**base);
    }
    bytes
        .saturating_mul(DEFAULT_OUTPUT_PER_BTF_BYTE)
        .max(DEFAULT_OUTPUT_FLOOR)
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::Invalid, message)
}

/// `x` rounded up to a multiple of `to` in C `int` arithmetic, wrapping as libbpf's `roundup`
/// does; unchanged when `to` is 0 (where libbpf divides by zero).
fn round_up_int(x: i32, to: i32) -> i32 {
    if to == 0 {
        x
    } else {
        x.wrapping_add(to)
            .wrapping_sub(1)
            .wrapping_div(to)
            .wrapping_mul(to)
    }
}

/// libbpf's indentation: `level` tabs, at most 13.
fn indent(level: usize) -> &'static str {
    const TABS: &str = "\t\t\t\t\t\t\t\t\t\t\t\t\t";
    &TABS[..level.min(TABS.len())]
}

fn is_mod(kind: u32) -> bool {
    [Kind::Volatile, Kind::Const, Kind::Restrict, Kind::TypeTag]
        .iter()
        .any(|&k| k as u32 == kind)
}

fn kind_is(t: &TypeRef<'_>, kind: Kind) -> bool {
    t.kind_raw() == kind as u32
}

impl<'a> CDump<'a> {
    /// A dumper over `btf` (`btf_dump__new`): `EINVAL` when the BTF has a type of a kind libbpf
    /// 1.7 does not know.
    pub fn new(btf: &'a Btf) -> Result<Self> {
        let mut dump = CDump {
            btf,
            pointer_size: btf
                .pointer_size()
                .unwrap_or(std::mem::size_of::<usize>() as u32),
            strip_mods: false,
            skip_anon_defs: false,
            known: 0,
            states: Vec::new(),
            scratch: TypeState::default(),
            suffixed: FastMap::default(),
            tag_counts: NameCounts::default(),
            ident_counts: NameCounts::default(),
            aligns: Vec::new(),
            sizes: Vec::new(),
            skips: Vec::new(),
            decl_stack: Vec::new(),
            queue: Vec::new(),
            out: Vec::new(),
            warnings: Vec::new(),
            depth: 0,
            output_limit: default_output_limit(btf),
            call_limit: 0,
            call_start: 0,
            visits: 0,
            over_limit: false,
        };
        dump.catch_up()?;
        Ok(dump)
    }

    /// The same dumper over `btf`: what it has written stays written and its names stay taken.
    /// For a BTF object that grows between calls (libbpf's dumper picks up types added since its
    /// last call): the C library rebinds its dumper to the object's current state at every call.
    pub fn rebind<'b>(self, btf: &'b Btf) -> CDump<'b> {
        CDump {
            btf,
            pointer_size: self.pointer_size,
            strip_mods: self.strip_mods,
            skip_anon_defs: self.skip_anon_defs,
            known: self.known,
            states: self.states,
            scratch: self.scratch,
            suffixed: self.suffixed,
            tag_counts: self.tag_counts,
            ident_counts: self.ident_counts,
            aligns: self.aligns,
            sizes: self.sizes,
            skips: self.skips,
            decl_stack: self.decl_stack,
            queue: self.queue,
            out: self.out,
            warnings: self.warnings,
            depth: self.depth,
            output_limit: self.output_limit,
            call_limit: self.call_limit,
            call_start: self.call_start,
            visits: self.visits,
            over_limit: self.over_limit,
        }
    }

    /// Bounds the work of each later call of [`dump_type`](Self::dump_type) and
    /// [`emit_type_decl`](Self::emit_type_decl): the bytes it writes plus the types and
    /// declarators it visits. A call that would pass the bound writes nothing and fails with
    /// `E2BIG` (libbpf has no bound: it writes on). The default is 16 bytes per byte of the BTF
    /// (its base included), at least 16 MiB — about 30 times a whole vmlinux.h.
    ///
    /// ```
    /// # let btf = btf_core::Btf::new_empty();
    /// let mut dump = btf_core::CDump::new(&btf)?;
    /// dump.set_output_limit(1 << 20);
    /// assert_eq!(dump.output_limit(), 1 << 20);
    /// # Ok::<(), btf_core::Error>(())
    /// ```
    pub fn set_output_limit(&mut self, bytes: usize) {
        self.output_limit = bytes;
    }

    /// The bound on the work of one call (see [`set_output_limit`](Self::set_output_limit)).
    pub fn output_limit(&self) -> usize {
        self.output_limit
    }

    /// Starts the work budget of one public call: the dumper's bound plus `extra`.
    pub(super) fn begin_call(&mut self, extra: usize) {
        self.call_limit = self.output_limit.saturating_add(extra);
        self.call_start = self.out.len();
        self.visits = 0;
        self.over_limit = false;
    }

    /// Ends one public call: past the budget, its text is taken back and the call fails.
    pub(super) fn end_call(&mut self, what: std::fmt::Arguments<'_>) -> Result<()> {
        if !self.over_limit {
            return Ok(());
        }
        self.out.truncate(self.call_start);
        self.over_limit = false;
        Err(Error::new(
            ErrorKind::TooBig,
            format!(
                "C text of {what} passes the dumper's limit of {} bytes of work (text out of \
                 proportion to the input: anonymous types nested inline, padding lines or arrays \
                 of huge element counts)",
                self.call_limit
            ),
        ))
    }

    /// Whether the current call is past its budget (without counting a visit).
    pub(super) fn over_limit(&self) -> bool {
        self.over_limit
    }

    /// Counts one visit and tells whether the current call is past its budget (checked where
    /// the dumper recurses or loops, so that hostile BTF costs at most the budget).
    pub(super) fn spent(&mut self) -> bool {
        if !self.over_limit {
            self.visits += 1;
            let written = self.out.len() - self.call_start;
            self.over_limit = written.saturating_add(self.visits) > self.call_limit;
        }
        self.over_limit
    }

    /// The text written so far.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// The text written so far, leaving the dumper's buffer empty.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Forgets the text written so far, keeping the buffer for what comes next.
    pub fn clear_output(&mut self) {
        self.out.clear();
    }

    /// What libbpf would have logged as warnings while dumping (malformed or cyclic types).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Writes the C definition of type `id` with everything it needs that this dumper has not
    /// written yet (`btf_dump__dump_type`). `EINVAL` for an id past the last type, `ELOOP` for a
    /// cycle that no forward declaration can break.
    pub fn dump_type(&mut self, id: u32) -> Result<()> {
        if id >= self.btf.type_cnt() {
            return Err(invalid(format!(
                "type id {id} does not exist (type count {})",
                self.btf.type_cnt()
            )));
        }
        self.catch_up()?;
        self.queue.clear();
        self.order(id, false)?;
        self.begin_call(0);
        let queue = std::mem::take(&mut self.queue);
        for &queued in &queue {
            self.emit_type(queued, 0);
        }
        self.queue = queue;
        self.end_call(format_args!("type [{id}]"))
    }

    /// Writes the declaration of a field (or variable) of type `id` named `field_name`, indented
    /// `level` tabs for the lines of inline definitions (`btf_dump__emit_type_decl`); with
    /// `strip_mods`, const/volatile/restrict and type tags are left out.
    pub fn emit_type_decl(
        &mut self,
        id: u32,
        field_name: &[u8],
        level: usize,
        strip_mods: bool,
    ) -> Result<()> {
        self.catch_up()?;
        self.begin_call(0);
        self.strip_mods = strip_mods;
        self.type_decl(id, field_name, level);
        self.strip_mods = false;
        self.end_call(format_args!("the declaration of type [{id}]"))
    }

    pub(super) fn ty(&self, id: u32) -> Option<TypeRef<'a>> {
        self.btf.type_by_id(id)
    }

    pub(super) fn name_at(&self, off: u32) -> &'a [u8] {
        self.btf.str_bytes(off).unwrap_or(b"(null)")
    }

    pub(super) fn put(&mut self, s: impl AsRef<[u8]>) {
        self.out.extend_from_slice(s.as_ref());
    }

    /// `btf__resolve_size(id)` (`None` where it fails), computed once per id.
    pub(super) fn size(&mut self, id: u32) -> Option<u64> {
        if let Some(Some(known)) = self.sizes.get(id as usize) {
            return *known;
        }
        let size = self.btf.resolve_size(id).ok();
        if let Some(slot) = self.sizes.get_mut(id as usize) {
            *slot = Some(size);
        }
        size
    }

    /// `btf__align_of(id)`, 0 where it fails; the alignments of structs and unions are kept
    /// for the whole dump (it asks about every member of every struct it writes).
    pub(super) fn align(&mut self, id: u32) -> u32 {
        self.btf.align_of_memo(id, &mut self.aligns).unwrap_or(0)
    }

    /// The state of type `id`; ids past the last type (references of malformed BTF) share a
    /// scratch state that nothing reads back.
    fn state(&mut self, id: u32) -> &mut TypeState {
        match self.states.get_mut(id as usize) {
            Some(state) => state,
            None => {
                self.scratch = TypeState::default();
                &mut self.scratch
            }
        }
    }

    /// A copy of the state of type `id` (the default for ids past the last type).
    fn st(&self, id: u32) -> TypeState {
        self.states.get(id as usize).copied().unwrap_or_default()
    }

    /// Grows the per-type state to every type of the BTF and marks which types are referenced
    /// (libbpf's resize and `btf_dump_mark_referenced`).
    pub(super) fn catch_up(&mut self) -> Result<()> {
        let cnt = self.btf.type_cnt();
        if cnt <= self.known {
            return Ok(());
        }
        self.states.resize(cnt as usize, TypeState::default());
        self.aligns.resize(cnt as usize, u32::MAX);
        self.sizes.resize(cnt as usize, None);
        self.skips.resize(cnt as usize, 0);
        if self.known == 0 {
            self.states[0].order = Order::Ordered;
            self.states[0].emit = Emit::Emitted;
        }
        let first = self.known.max(1);
        // Not `fields::field_positions`: libbpf does not count a prototype's return type as a
        // reference, which decides whether an anonymous enum is a top-level declaration.
        let btf = self.btf;
        let states = &mut self.states;
        let mut mark = |id: u32| {
            if let Some(s) = states.get_mut(id as usize) {
                s.referenced = true;
            }
        };
        for id in first..cnt {
            let Some(t) = btf.type_by_id(id) else {
                continue;
            };
            match t.kind() {
                Some(Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Fwd | Kind::Float) => {}
                Some(
                    Kind::Volatile
                    | Kind::Const
                    | Kind::Restrict
                    | Kind::Ptr
                    | Kind::Typedef
                    | Kind::Func
                    | Kind::Var
                    | Kind::DeclTag
                    | Kind::TypeTag,
                ) => mark(t.type_id()),
                Some(Kind::Array) => {
                    let a = t.array();
                    mark(a.index_type);
                    mark(a.elem_type);
                }
                Some(Kind::Struct | Kind::Union) => t.members().for_each(|m| mark(m.type_id)),
                Some(Kind::FuncProto) => t.params().for_each(|p| mark(p.type_id)),
                Some(Kind::Datasec) => t.datasec_vars().for_each(|v| mark(v.type_id)),
                _ => {
                    return Err(invalid(format!(
                        "type [{id}] is of kind {}, which a C dump cannot describe",
                        t.kind_raw()
                    )));
                }
            }
        }
        self.known = cnt;
        Ok(())
    }

    /// Queues the named definitions `id` needs, dependencies first; whether `id` is strongly
    /// linked (must be complete where it is used) or only weakly (a forward declaration will do).
    fn order(&mut self, id: u32, through_ptr: bool) -> Result<bool> {
        if self.depth >= MAX_NESTING {
            return Err(Error::new(
                ErrorKind::Os(40),
                format!(
                    "type [{id}]: types nest more than {MAX_NESTING} deep (a reference cycle?)"
                ),
            ));
        }
        self.depth += 1;
        let strong = self.order_nested(id, through_ptr);
        self.depth -= 1;
        strong
    }

    fn order_nested(&mut self, id: u32, through_ptr: bool) -> Result<bool> {
        let st = self.st(id);
        if st.order == Order::Ordered {
            return Ok(true);
        }
        let Some(t) = self.ty(id) else {
            return Err(invalid(format!("type [{id}] does not exist")));
        };
        let named = t.name_off() != 0;
        if st.order == Order::Ordering {
            let composite = kind_is(&t, Kind::Struct) || kind_is(&t, Kind::Union);
            if composite && through_ptr && named {
                return Ok(false);
            }
            self.warnings
                .push(format!("unsatisfiable type cycle, id:[{id}]"));
            return Err(Error::new(
                ErrorKind::Os(40),
                format!("type [{id}] is part of a cycle no forward declaration can break"),
            ));
        }
        match t.kind() {
            Some(Kind::Int | Kind::Float) => {
                self.state(id).order = Order::Ordered;
                Ok(false)
            }
            Some(Kind::Ptr) => {
                let strong = self.order(t.type_id(), true);
                self.state(id).order = Order::Ordered;
                strong
            }
            Some(Kind::Array) => self.order(t.array().elem_type, false),
            Some(Kind::Struct | Kind::Union) => {
                if through_ptr && named {
                    return Ok(false);
                }
                self.state(id).order = Order::Ordering;
                for m in t.members() {
                    self.order(m.type_id, false)?;
                }
                if named {
                    self.queue.push(id);
                }
                self.state(id).order = Order::Ordered;
                Ok(true)
            }
            Some(Kind::Enum | Kind::Enum64 | Kind::Fwd) => {
                if named || !st.referenced {
                    self.queue.push(id);
                }
                self.state(id).order = Order::Ordered;
                Ok(true)
            }
            Some(Kind::Typedef) => {
                let strong = self.order(t.type_id(), through_ptr)?;
                if through_ptr && !strong {
                    return Ok(false);
                }
                self.queue.push(id);
                self.state(id).order = Order::Ordered;
                Ok(true)
            }
            Some(Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag) => {
                self.order(t.type_id(), through_ptr)
            }
            Some(Kind::FuncProto) => {
                let mut strong = self.order(t.type_id(), through_ptr)?;
                for p in t.params() {
                    strong |= self.order(p.type_id, through_ptr)?;
                }
                Ok(strong)
            }
            Some(Kind::Func | Kind::Var | Kind::Datasec | Kind::DeclTag) => {
                self.state(id).order = Order::Ordered;
                Ok(false)
            }
            _ => Err(invalid(format!(
                "type [{id}] is of kind {}, which a C dump cannot describe",
                t.kind_raw()
            ))),
        }
    }

    /// `__builtin_va_list` is the compiler's own: never redefined.
    fn is_builtin(&self, t: &TypeRef<'_>) -> bool {
        t.name_off() != 0 && self.name_at(t.name_off()) == b"__builtin_va_list"
    }

    /// Writes the definitions `id` needs and, at the top level (`container` 0), its own; inside
    /// the definition of struct/union `container`, only what that definition needs first.
    fn emit_type(&mut self, id: u32, container: u32) {
        if self.spent() {
            return;
        }
        if self.depth >= MAX_NESTING {
            self.warnings.push(format!(
                "type [{id}]: types nest more than {MAX_NESTING} deep (a reference cycle?)"
            ));
            return;
        }
        self.depth += 1;
        self.emit_type_nested(id, container);
        self.depth -= 1;
    }

    fn emit_type_nested(&mut self, id: u32, container: u32) {
        let st = self.st(id);
        if st.emit == Emit::Emitted {
            return;
        }
        let Some(t) = self.ty(id) else { return };
        let top_level = container == 0;
        if st.emit == Emit::Emitting {
            if st.fwd_emitted {
                return;
            }
            match t.kind() {
                Some(Kind::Struct | Kind::Union) => {
                    if id == container {
                        return;
                    }
                    if t.name_off() == 0 {
                        self.warnings
                            .push(format!("anonymous struct/union loop, id:[{id}]"));
                        return;
                    }
                    self.struct_fwd(id, &t);
                    self.put(";\n\n");
                    self.state(id).fwd_emitted = true;
                }
                Some(Kind::Typedef) => {
                    if !self.is_builtin(&t) {
                        self.typedef_def(id, &t, 0);
                        self.put(";\n\n");
                    }
                    self.state(id).fwd_emitted = true;
                }
                _ => {}
            }
            return;
        }
        match t.kind() {
            Some(Kind::Int) => {
                let name = self.type_name(id);
                if let Some((_, alias)) = POLY_ALIASES.iter().find(|(n, _)| *n == &name[..]) {
                    let _ = write!(self.out, "typedef {alias} ");
                    self.put(&name);
                    self.put(";\n\n");
                }
                self.state(id).emit = Emit::Emitted;
            }
            Some(Kind::Enum | Kind::Enum64) => {
                if top_level {
                    self.enum_def(id, &t, 0);
                    self.put(";\n\n");
                }
                self.state(id).emit = Emit::Emitted;
            }
            Some(Kind::Ptr | Kind::Volatile | Kind::Const | Kind::Restrict | Kind::TypeTag) => {
                self.emit_type(t.type_id(), container);
            }
            Some(Kind::Array) => self.emit_type(t.array().elem_type, container),
            Some(Kind::Fwd) => {
                self.fwd_def(id, &t);
                self.put(";\n\n");
                self.state(id).emit = Emit::Emitted;
            }
            Some(Kind::Typedef) => {
                self.state(id).emit = Emit::Emitting;
                self.emit_type(t.type_id(), id);
                if !self.st(id).fwd_emitted && !self.is_builtin(&t) {
                    self.typedef_def(id, &t, 0);
                    self.put(";\n\n");
                }
                self.state(id).emit = Emit::Emitted;
            }
            Some(Kind::Struct | Kind::Union) => {
                self.state(id).emit = Emit::Emitting;
                let anonymous = t.name_off() == 0;
                if top_level || anonymous {
                    let inner = if anonymous { container } else { id };
                    for m in t.members() {
                        self.emit_type(m.type_id, inner);
                    }
                } else if !self.st(id).fwd_emitted && id != container {
                    self.struct_fwd(id, &t);
                    self.put(";\n\n");
                    self.state(id).fwd_emitted = true;
                }
                if top_level {
                    self.struct_def(id, &t, 0);
                    self.put(";\n\n");
                    self.state(id).emit = Emit::Emitted;
                } else {
                    self.state(id).emit = Emit::NotEmitted;
                }
            }
            Some(Kind::FuncProto) => {
                self.emit_type(t.type_id(), container);
                for p in t.params() {
                    self.emit_type(p.type_id, container);
                }
            }
            _ => {}
        }
    }

    /// Whether a struct needs `__attribute__((packed))`: some non-bitfield member is not at a
    /// multiple of its alignment, or the size is not a multiple of the largest alignment.
    fn is_packed(&mut self, t: &TypeRef<'_>) -> bool {
        let mut max_align = 1u32;
        for m in t.members() {
            let align = self.align(m.type_id);
            if align != 0
                && m.bitfield_size() == 0
                && u64::from(m.offset) % (8 * u64::from(align)) != 0
            {
                return true;
            }
            max_align = max_align.max(align);
        }
        t.size() % max_align != 0
    }

    /// Writes explicit padding members (`long: 64;`, `int: 0;`, …) from bit `cur` to bit `next`,
    /// where the next member (alignment `next_align` bytes) starts, as libbpf chooses them.
    ///
    /// Offsets are C `int`s as in libbpf, wrapping where it overflows (structs of 256 MiB and
    /// more, members past bit 2^31): hostile BTF gets the same text as from libbpf, not a
    /// different, "more correct" one.
    fn bit_padding(
        &mut self,
        mut cur: i32,
        next: i32,
        next_align: i32,
        in_bitfield: bool,
        lvl: usize,
    ) {
        if cur >= next {
            return;
        }
        let pads: [(&str, i32); 4] = [
            ("long", (self.pointer_size as i32).wrapping_mul(8)),
            ("int", 32),
            ("short", 16),
            ("char", 8),
        ];
        let (mut pad_type, mut pad_bits, mut new_off) = ("char", 8, 0);
        for &(name, bits) in &pads {
            pad_type = name;
            pad_bits = bits;
            new_off = round_up_int(cur, bits);
            if new_off <= next {
                break;
            }
        }
        if new_off > cur && new_off <= next {
            if in_bitfield
                || (new_off == next && round_up_int(cur, next_align.wrapping_mul(8)) != new_off)
                || (new_off != next && next.wrapping_sub(new_off) <= new_off.wrapping_sub(cur))
            {
                let width = if in_bitfield {
                    new_off.wrapping_sub(cur)
                } else {
                    0
                };
                let _ = write!(self.out, "\n{}{pad_type}: {width};", indent(lvl));
            }
            cur = new_off;
        }
        // The same line for every whole unit: formatted once (a gap can take thousands).
        let mut whole: Option<String> = None;
        while cur != next && !self.spent() {
            let bits = next.wrapping_sub(cur).min(pad_bits);
            if bits == pad_bits {
                let line = whole
                    .get_or_insert_with(|| format!("\n{}{pad_type}: {pad_bits};", indent(lvl)));
                self.out.extend_from_slice(line.as_bytes());
                cur = cur.wrapping_add(bits);
                continue;
            }
            // The remainder, in the smallest type that holds it.
            if let Some(&(name, _)) = pads.iter().rev().find(|&&(_, b)| b >= bits) {
                let _ = write!(self.out, "\n{}{name}: {bits};", indent(lvl));
                cur = cur.wrapping_add(bits);
            } else {
                break;
            }
        }
    }

    fn struct_fwd(&mut self, id: u32, t: &TypeRef<'_>) {
        let keyword = if kind_is(t, Kind::Struct) {
            "struct"
        } else {
            "union"
        };
        let name = self.type_name(id);
        self.put(keyword);
        if t.name_off() != 0 {
            self.put(" ");
        }
        self.put(&name);
    }

    fn struct_def(&mut self, id: u32, t: &TypeRef<'_>, lvl: usize) {
        let is_struct = kind_is(t, Kind::Struct);
        let align = self.align(id) as i32;
        let packed = is_struct && self.is_packed(t);
        self.struct_fwd(id, t);
        self.put(" {");
        // C `int`s, as in libbpf (see `bit_padding`).
        let mut off: i32 = 0;
        let mut prev_bitfield = false;
        for m in t.members() {
            if self.spent() {
                break;
            }
            let field = self.name_at(m.name_off);
            let bits = m.bitfield_size() as i32;
            let at = m.bit_offset() as i32;
            let m_align = if packed {
                1
            } else {
                self.align(m.type_id) as i32
            };
            let in_bitfield = prev_bitfield && bits != 0;
            self.bit_padding(off, at, m_align, in_bitfield, lvl + 1);
            self.put("\n");
            self.put(indent(lvl + 1));
            self.type_decl(m.type_id, field, lvl + 1);
            if bits != 0 {
                let _ = write!(self.out, ": {bits}");
                off = at.wrapping_add(bits);
                prev_bitfield = true;
            } else {
                // A size of up to 2^32 - 1 bytes, kept in an `int`.
                let size = self.size(m.type_id).unwrap_or(0) as i32;
                off = at.wrapping_add(size.wrapping_mul(8));
                prev_bitfield = false;
            }
            self.put(";");
        }
        if is_struct {
            self.bit_padding(off, t.size().wrapping_mul(8) as i32, align, false, lvl + 1);
        }
        if t.vlen() != 0 || t.size() != 0 {
            self.put("\n");
            self.put(indent(lvl));
        }
        self.put("}");
        if packed {
            self.put(" __attribute__((packed))");
        }
    }

    fn enum_fwd(&mut self, id: u32) {
        let name = self.type_name(id);
        self.put("enum ");
        self.put(&name);
    }

    fn enum_def(&mut self, id: u32, t: &TypeRef<'_>, lvl: usize) {
        let name = self.type_name(id);
        self.put("enum");
        if t.name_off() != 0 {
            self.put(" ");
        }
        self.put(&name);
        if t.vlen() == 0 {
            return;
        }
        self.put(" {");
        let signed = t.kflag();
        let is_enum64 = kind_is(t, Kind::Enum64);
        let values: Vec<(u32, u64)> = if is_enum64 {
            t.enum64_values().map(|v| (v.name_off, v.val)).collect()
        } else {
            t.enum_values()
                .map(|v| (v.name_off, u64::from(v.val)))
                .collect()
        };
        for &(name_off, val) in &values {
            if self.spent() {
                break;
            }
            let name = self.name_at(name_off);
            let dups = self.count_name(Names::Idents, name);
            self.put("\n");
            self.put(indent(lvl + 1));
            self.put(name);
            if dups > 1 {
                let _ = write!(self.out, "___{dups}");
            }
            let _ = match (is_enum64, signed) {
                (false, true) => write!(self.out, " = {},", val as u32 as i32),
                (false, false) => write!(self.out, " = {},", val as u32),
                (true, true) => write!(self.out, " = {}LL,", val as i64),
                (true, false) => write!(self.out, " = {val}ULL,"),
            };
        }
        self.put("\n");
        self.put(indent(lvl));
        self.put("}");
        if t.size() == 1 {
            self.put(" __attribute__((mode(byte)))");
        } else if t.size() == 8 && self.pointer_size == 8 {
            // An enum only becomes 8 bytes by itself when some value needs more than 32 bits.
            let needs_word = !is_enum64 || values.iter().all(|&(_, v)| v >> 32 == 0);
            if needs_word {
                self.put(" __attribute__((mode(word)))");
            }
        }
    }

    fn fwd_def(&mut self, id: u32, t: &TypeRef<'_>) {
        let name = self.type_name(id);
        self.put(if t.kflag() { "union " } else { "struct " });
        self.put(&name);
    }

    fn typedef_def(&mut self, id: u32, t: &TypeRef<'_>, lvl: usize) {
        let name = self.ident_name(id);
        // Old GCCs describe __gnuc_va_list as a typedef of void.
        if t.type_id() == 0 && &name[..] == b"__gnuc_va_list" {
            self.put("typedef __builtin_va_list __gnuc_va_list");
            return;
        }
        self.put("typedef ");
        self.type_decl(t.type_id(), &name, lvl);
    }

    /// Counts one more use of `name` in a name space; returns the count so far.
    fn count_name(&mut self, space: Names, name: &[u8]) -> usize {
        match space {
            Names::Tags => self.tag_counts.bump(name),
            Names::Idents => self.ident_counts.bump(name),
        }
    }

    /// The name type `id` is written with: its own, or with `___N` if it is the N-th type of that
    /// name in `space` (FWDs and empty enums keep theirs: they declare, not define).
    fn resolve_name(&mut self, id: u32, space: Names) -> Cow<'a, [u8]> {
        let Some(t) = self.ty(id) else {
            return Cow::Borrowed(b"");
        };
        if t.name_off() == 0 {
            return Cow::Borrowed(b"");
        }
        let own = self.name_at(t.name_off());
        if self.st(id).name_resolved {
            return match self.suffixed.get(&id) {
                Some(name) => Cow::Owned(name.clone()),
                None => Cow::Borrowed(own),
            };
        }
        self.state(id).name_resolved = true;
        if kind_is(&t, Kind::Fwd) || (kind_is(&t, Kind::Enum) && t.vlen() == 0) {
            return Cow::Borrowed(own);
        }
        let dups = self.count_name(space, own);
        if dups > 1 {
            let mut name = own.to_vec();
            let _ = write!(name, "___{dups}");
            name.truncate(MAX_SUFFIXED_NAME);
            self.suffixed.insert(id, name.clone());
            return Cow::Owned(name);
        }
        Cow::Borrowed(own)
    }

    fn type_name(&mut self, id: u32) -> Cow<'a, [u8]> {
        self.resolve_name(id, Names::Tags)
    }

    fn ident_name(&mut self, id: u32) -> Cow<'a, [u8]> {
        self.resolve_name(id, Names::Idents)
    }

    /// Writes a declaration of `name` with type `id`: the chain of pointers, arrays, function
    /// prototypes and modifiers down to a named type, in C's inside-out syntax.
    pub(super) fn type_decl(&mut self, mut id: u32, name: &[u8], lvl: usize) {
        let start = self.decl_stack.len();
        // A chain longer than there are types goes round a cycle (counted in steps, not in the
        // stack, which does not grow on the modifiers `strip_mods` leaves out).
        let mut steps = 0usize;
        loop {
            let Some(t) = self.ty(id) else {
                self.warnings.push(format!("type id {id} does not exist"));
                self.decl_stack.truncate(start);
                return;
            };
            if !(self.strip_mods && is_mod(t.kind_raw())) {
                self.decl_stack.push(id);
            }
            if id == 0 {
                break;
            }
            match t.kind() {
                Some(
                    Kind::Ptr
                    | Kind::Volatile
                    | Kind::Const
                    | Kind::Restrict
                    | Kind::FuncProto
                    | Kind::TypeTag,
                ) => id = t.type_id(),
                Some(Kind::Array) => id = t.array().elem_type,
                Some(
                    Kind::Int
                    | Kind::Enum
                    | Kind::Enum64
                    | Kind::Fwd
                    | Kind::Struct
                    | Kind::Union
                    | Kind::Typedef
                    | Kind::Float,
                ) => break,
                _ => {
                    self.warnings.push(format!(
                        "unexpected type in decl chain, kind:{}, id:[{id}]",
                        t.kind_raw()
                    ));
                    break;
                }
            }
            steps += 1;
            if steps > self.btf.type_cnt() as usize {
                self.warnings.push(format!("type [{id}] refers to itself"));
                self.decl_stack.truncate(start);
                return;
            }
        }
        let mut left = self.decl_stack.len();
        self.type_chain(start, &mut left, name, lvl);
        self.decl_stack.truncate(start);
    }

    /// Writes and pops the modifiers on top of the frame `decl_stack[start..*left]` (`const `, …).
    fn leading_mods(&mut self, start: usize, left: &mut usize) {
        while *left > start {
            let text = match self.ty(self.decl_stack[*left - 1]).and_then(|t| t.kind()) {
                Some(Kind::Volatile) => "volatile ",
                Some(Kind::Const) => "const ",
                Some(Kind::Restrict) => "restrict ",
                _ => return,
            };
            self.put(text);
            *left -= 1;
        }
    }

    /// Pops the modifiers (type tags included) on top of the frame without writing them.
    fn drop_mods(&mut self, start: usize, left: &mut usize) {
        while *left > start
            && self
                .ty(self.decl_stack[*left - 1])
                .is_some_and(|t| is_mod(t.kind_raw()))
        {
            *left -= 1;
        }
    }

    fn declared_name(&mut self, name: &[u8], last_was_ptr: bool) {
        if !name.is_empty() && !last_was_ptr {
            self.put(" ");
        }
        self.put(name);
    }

    /// Writes the frame `decl_stack[start..*left]` from its innermost type outwards, consuming it.
    fn type_chain(&mut self, start: usize, left: &mut usize, name: &[u8], lvl: usize) {
        if self.spent() {
            *left = start;
            return;
        }
        if self.depth >= MAX_NESTING {
            self.warnings.push(format!(
                "declarations nest more than {MAX_NESTING} deep (a reference cycle?)"
            ));
            *left = start;
            return;
        }
        self.depth += 1;
        self.type_chain_nested(start, left, name, lvl);
        self.depth -= 1;
    }

    fn type_chain_nested(&mut self, start: usize, left: &mut usize, name: &[u8], lvl: usize) {
        // No space before the first `*` of a chain: `int ***`, and `(*f)` for a function pointer.
        let mut last_was_ptr = true;
        while *left > start {
            *left -= 1;
            let id = self.decl_stack[*left];
            if id == 0 {
                self.leading_mods(start, left);
                self.put("void");
                last_was_ptr = false;
                continue;
            }
            let Some(t) = self.ty(id) else { return };
            let kind = t.kind();
            match kind {
                Some(Kind::Int | Kind::Float) => {
                    self.leading_mods(start, left);
                    self.put(self.name_at(t.name_off()));
                }
                Some(Kind::Struct | Kind::Union) => {
                    self.leading_mods(start, left);
                    if t.name_off() == 0 && !self.skip_anon_defs {
                        self.struct_def(id, &t, lvl);
                    } else {
                        self.struct_fwd(id, &t);
                    }
                }
                Some(Kind::Enum | Kind::Enum64) => {
                    self.leading_mods(start, left);
                    if t.name_off() == 0 && !self.skip_anon_defs {
                        self.enum_def(id, &t, lvl);
                    } else {
                        self.enum_fwd(id);
                    }
                }
                Some(Kind::Fwd) => {
                    self.leading_mods(start, left);
                    self.fwd_def(id, &t);
                }
                Some(Kind::Typedef) => {
                    self.leading_mods(start, left);
                    let ident = self.ident_name(id);
                    self.put(&ident);
                }
                Some(Kind::Ptr) => self.put(if last_was_ptr { "*" } else { " *" }),
                Some(Kind::Volatile) => self.put(" volatile"),
                Some(Kind::Const) => self.put(" const"),
                Some(Kind::Restrict) => self.put(" restrict"),
                Some(Kind::TypeTag) => {
                    self.leading_mods(start, left);
                    let tag = self.name_at(t.name_off());
                    if t.kflag() {
                        self.put(" __attribute__((");
                        self.put(tag);
                        self.put("))");
                    } else {
                        self.put(" __attribute__((btf_type_tag(\"");
                        self.put(tag);
                        self.put("\")))");
                    }
                }
                Some(Kind::Array) => {
                    let nelems = t.array().nelems;
                    // GCC adds the element's qualifiers to arrays; they mean nothing there.
                    self.drop_mods(start, left);
                    if *left == start {
                        self.declared_name(name, last_was_ptr);
                        self.put(format!("[{nelems}]"));
                        return;
                    }
                    let multidim = self
                        .ty(self.decl_stack[*left - 1])
                        .is_some_and(|next| kind_is(&next, Kind::Array));
                    if !name.is_empty() && !last_was_ptr {
                        self.put(" ");
                    }
                    if !multidim {
                        self.put("(");
                    }
                    self.type_chain(start, left, name, lvl);
                    if !multidim {
                        self.put(")");
                    }
                    self.put(format!("[{nelems}]"));
                    return;
                }
                Some(Kind::FuncProto) => {
                    // GCC marks noreturn function pointers volatile: dropped likewise.
                    self.drop_mods(start, left);
                    if *left > start {
                        self.put(" (");
                        self.type_chain(start, left, name, lvl);
                        self.put(")");
                    } else {
                        self.declared_name(name, last_was_ptr);
                    }
                    self.put("(");
                    let params = t.params();
                    let count = params.len();
                    if count == 0 || (count == 1 && t.params().all(|p| p.type_id == 0)) {
                        self.put("void)");
                        return;
                    }
                    for (i, p) in params.enumerate() {
                        if i > 0 {
                            self.put(", ");
                        }
                        // A trailing void parameter stands for `...`.
                        if i == count - 1 && p.type_id == 0 {
                            self.put("...");
                            break;
                        }
                        let param = self.name_at(p.name_off);
                        self.type_decl(p.type_id, param, lvl);
                    }
                    self.put(")");
                    return;
                }
                _ => {
                    self.warnings.push(format!(
                        "unexpected type in decl chain, kind:{}, id:[{id}]",
                        t.kind_raw()
                    ));
                    return;
                }
            }
            last_was_ptr = kind == Some(Kind::Ptr);
        }
        self.declared_name(name, last_was_ptr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on a thread with a small stack: deep recursion would overflow it.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn simple_types_come_out_as_c() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let s = btf.add_struct("pair", 8).unwrap();
        btf.add_field("a", int, 0, 0).unwrap();
        btf.add_field("b", int, 32, 0).unwrap();
        let ptr = btf.add_ptr(s).unwrap();
        btf.add_typedef("pair_p", ptr).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        for id in 1..btf.type_cnt() {
            dump.dump_type(id).unwrap();
        }
        assert_eq!(
            String::from_utf8(dump.take_output()).unwrap(),
            "struct pair {\n\tint a;\n\tint b;\n};\n\ntypedef struct pair *pair_p;\n\n"
        );
        dump.emit_type_decl(ptr, b"p", 0, false).unwrap();
        assert_eq!(dump.take_output(), b"struct pair *p");
    }

    #[test]
    fn names_repeat_with_suffixes() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        for _ in 0..2 {
            btf.add_struct("s", 4).unwrap();
            btf.add_field("x", int, 0, 0).unwrap();
        }
        let mut dump = CDump::new(&btf).unwrap();
        dump.dump_type(2).unwrap();
        dump.dump_type(3).unwrap();
        let text = String::from_utf8(dump.take_output()).unwrap();
        assert!(
            text.contains("struct s {") && text.contains("struct s___2 {"),
            "{text}"
        );
    }

    /// PTR → CONST → PTR: libbpf follows the cycle until its stack overflows.
    #[test]
    fn reference_cycles_end_in_an_error_not_a_crash() {
        on_small_stack(|| {
            let mut btf = Btf::new_empty();
            let ptr = btf.add_ptr(2).unwrap();
            btf.add_const(ptr).unwrap();
            btf.add_typedef("t1", 4).unwrap();
            btf.add_typedef("t2", 3).unwrap();
            let arr = btf.add_array(7, 7, 2).unwrap();
            btf.add_int("int", 4, 1).unwrap();
            assert_eq!(arr, 5);
            btf.add_array(5, 6, 3).unwrap();
            let mut dump = CDump::new(&btf).unwrap();
            for id in 1..btf.type_cnt() {
                let _ = dump.dump_type(id);
                dump.emit_type_decl(id, b"x", 0, false).unwrap();
            }
            assert!(dump.dump_type(1).is_err() || !dump.take_warnings().is_empty());
        });
    }

    /// A const that is its own type, met with modifiers stripped (typed data's casts, or
    /// `emit_type_decl` with `strip_mods`): nothing is pushed, so only a count of steps ends the
    /// walk (libbpf loops forever). A warning and no text.
    #[test]
    fn stripped_modifier_cycles_end() {
        let mut btf = Btf::new_empty();
        btf.add_int("int", 4, 1).unwrap();
        let looped = btf.add_const(2).unwrap();
        assert_eq!(looped, 2);
        let ptr = btf.add_ptr(looped).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        dump.emit_type_decl(ptr, b"x", 0, true).unwrap();
        let warnings = dump.take_warnings();
        assert!(
            warnings.iter().any(|w| w.contains("refers to itself")),
            "{warnings:?}"
        );
        let opts = crate::dump::data::DataOptions::default();
        let _ = dump.dump_type_data(ptr, &[1; 8], &opts);
        assert!(!dump.take_warnings().is_empty());
    }

    /// Ids that do not exist, names that are not C identifiers, a struct with 65,535 members,
    /// typed data over every one of them: no panic, an error or text for each.
    #[test]
    fn hostile_types_end_in_errors_or_text() {
        on_small_stack(|| {
            let mut btf = Btf::new_empty();
            let int = btf.add_int("int", 4, 1).unwrap();
            let bad_ptr = btf.add_ptr(1_000_000).unwrap();
            let s = btf.add_struct("has spaces & symbols!", 8).unwrap();
            btf.add_field("0bad name", bad_ptr, 0, 0).unwrap();
            let big = btf.add_struct("wide", 4).unwrap();
            for _ in 0..65_535 {
                btf.add_field("m", int, 0, 0).unwrap();
            }
            btf.add_typedef("t", 999_999).unwrap();
            let proto = btf.add_func_proto(77_777).unwrap();
            btf.add_func_param("p", 88_888).unwrap();
            let mut dump = CDump::new(&btf).unwrap();
            let data = [0xa5u8; 64];
            let opts = crate::dump::data::DataOptions::default();
            for id in 1..btf.type_cnt() + 2 {
                let _ = dump.dump_type(id);
                let _ = dump.emit_type_decl(id, b"x", 0, false);
                let _ = dump.dump_type_data(id, &data, &opts);
                let _ = dump.take_output();
            }
            assert!(dump.dump_type(btf.type_cnt()).is_err());
            // A fresh dumper: each type is written once per dumper.
            let mut dump = CDump::new(&btf).unwrap();
            // Its member points at a type that does not exist: an error (libbpf reads past its
            // per-type state there); the name, not an identifier, is written as it is.
            assert!(dump.dump_type(s).is_err());
            dump.emit_type_decl(s, b"v", 0, false).unwrap();
            let text = String::from_utf8(dump.take_output()).unwrap();
            assert_eq!(text, "struct has spaces & symbols! v");
            dump.dump_type(big).unwrap();
            assert!(dump.take_output().len() > 65_535 * 5);
            let _ = dump.emit_type_decl(proto, b"f", 0, false);
        });
    }

    /// A hundred thousand anonymous structs, each embedding the next.
    #[test]
    fn deep_nesting_is_bounded() {
        on_small_stack(|| {
            let mut btf = Btf::new_empty();
            let int = btf.add_int("int", 4, 1).unwrap();
            let n = 100_000;
            let outer = btf.add_struct("outer", 4).unwrap();
            btf.add_field("inner", outer + 1, 0, 0).unwrap();
            for i in 0..n {
                btf.add_struct("", 4).unwrap();
                let member = if i + 1 == n { int } else { outer + 2 + i };
                btf.add_field("m", member, 0, 0).unwrap();
            }
            let mut dump = CDump::new(&btf).unwrap();
            let err = dump.dump_type(outer).unwrap_err();
            assert!(err.message().contains("nest"), "{err}");
            dump.emit_type_decl(outer + 1, b"x", 0, false).unwrap();
            assert!(!dump.take_warnings().is_empty());
        });
    }

    /// Anonymous structs of two members each, every level embedding the one below twice: the
    /// text doubles per level (2^40 lines at the top, finding F2 of the fuzz campaign). libbpf
    /// writes until memory runs out; here each call stops at its work bound with `E2BIG` and
    /// takes back what it wrote.
    fn exponential_btf(levels: u32) -> (Btf, u32) {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let mut below = int;
        let mut size = 4;
        for _ in 0..levels {
            let s = btf.add_struct("", size * 2).unwrap();
            btf.add_field("a", below, 0, 0).unwrap();
            btf.add_field("b", below, size * 8, 0).unwrap();
            below = s;
            size = (size * 2).min(1 << 20);
        }
        let top = btf.add_struct("top", size).unwrap();
        btf.add_field("x", below, 0, 0).unwrap();
        (btf, top)
    }

    #[test]
    fn exponential_text_stops_at_the_bound() {
        on_small_stack(|| {
            let (btf, top) = exponential_btf(40);
            let mut dump = CDump::new(&btf).unwrap();
            assert_eq!(dump.output_limit(), DEFAULT_OUTPUT_FLOOR);
            dump.put("kept");
            let started = std::time::Instant::now();
            let err = dump.dump_type(top).unwrap_err();
            assert_eq!(err.errno(), 7, "E2BIG: {err}");
            assert!(err.message().contains("type [42]"), "{err}");
            // Bounded work: 16 MiB of text at most, in well under a second of a debug build's time.
            assert!(started.elapsed() < std::time::Duration::from_secs(20));
            assert_eq!(
                dump.output(),
                b"kept",
                "the failed call's text is taken back"
            );
            let err = dump.emit_type_decl(top - 1, b"y", 0, false).unwrap_err();
            assert_eq!(err.errno(), 7, "{err}");
            assert_eq!(dump.output(), b"kept");
        });
    }

    #[test]
    fn a_bound_the_text_fits_in_changes_nothing() {
        let (btf, top) = exponential_btf(6);
        let mut unbounded = CDump::new(&btf).unwrap();
        unbounded.dump_type(top).unwrap();
        let text = unbounded.take_output();
        assert!(text.len() > 64 * 10, "2^6 inline copies");
        // The bound counts text and visits: a little over the text fits, the text alone not.
        let mut fits = CDump::new(&btf).unwrap();
        fits.set_output_limit(text.len() * 2);
        fits.dump_type(top).unwrap();
        assert_eq!(fits.take_output(), text);
        let mut short = CDump::new(&btf).unwrap();
        short.set_output_limit(text.len() - 1);
        assert_eq!(short.dump_type(top).unwrap_err().errno(), 7);
        assert!(short.output().is_empty());
    }

    /// Padding is written as libbpf computes it, in C `int`s: a struct of 512 MiB + 16 bytes
    /// ends at bit (2^32 + 128) mod 2^32 = 128; a member past bit 2^31 is at a negative offset,
    /// so nothing is padded before it. (In 64-bit arithmetic both would be 2^26 padding lines.)
    #[test]
    fn padding_offsets_wrap_as_c_ints() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let huge = btf.add_struct("huge", 0x2000_0010).unwrap();
        btf.add_field("a", int, 0, 0).unwrap();
        let far = btf.add_struct("far", 0x1000_0010).unwrap();
        btf.add_field("b", int, 0x8000_0040, 0).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        dump.dump_type(huge).unwrap();
        dump.dump_type(far).unwrap();
        assert_eq!(
            String::from_utf8(dump.take_output()).unwrap(),
            "struct huge {\n\tint a;\n\tlong: 64;\n};\n\n\
             struct far {\n\tint b;\n};\n\n"
        );
    }

    /// Padding lines past the bound: a struct of 128 MiB with one member at its end asks for
    /// 2^24 lines of `long: 64;` (libbpf writes them all).
    #[test]
    fn padding_stops_at_the_bound() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let s = btf.add_struct("gap", 0x0800_0000).unwrap();
        btf.add_field("end", int, 0x3fff_ffe0, 0).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        dump.set_output_limit(1 << 20);
        let err = dump.dump_type(s).unwrap_err();
        assert_eq!(err.errno(), 7, "{err}");
        assert!(dump.output().is_empty());
    }

    /// Typed data of an array of 2^29 - 1 structs over 64 bytes, zeros shown: each element past
    /// the data writes its braces and the walk goes on (in libbpf too, for hours); the call
    /// stops at its bound (the dumper's plus 4,096 per byte of data) with `E2BIG` and takes its
    /// text back.
    #[test]
    fn typed_data_of_endless_arrays_stops_at_the_bound() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let s = btf.add_struct("one", 4).unwrap();
        btf.add_field("a", int, 0, 0).unwrap();
        let arr = btf.add_array(int, s, 0x1fff_ffff).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        dump.set_output_limit(1 << 16);
        let opts = crate::dump::data::DataOptions {
            emit_zeroes: true,
            ..Default::default()
        };
        let data = [1u8; 64];
        let err = dump.dump_type_data(arr, &data, &opts).unwrap_err();
        assert_eq!(err.errno(), 7, "{err}");
        assert!(err.message().contains("typed data of type [3]"), "{err}");
        assert!(dump.output().is_empty());
        // The dumper's own bound is back for the next call, and real data fits.
        assert_eq!(dump.output_limit(), 1 << 16);
        assert_eq!(dump.dump_type_data(int, &data, &opts).unwrap(), 4);
        assert_eq!(dump.take_output(), b"(int)16843009");
    }

    /// The same array of ints, zeros not shown: elements past the data write nothing (in libbpf
    /// too, which walks all 2^29 - 1), so the walk ends at the first of them, well inside the
    /// bound, and the call succeeds with the array's size.
    #[test]
    fn typed_data_stops_at_silent_elements_past_the_data() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let arr = btf.add_array(int, int, 0x1fff_ffff).unwrap();
        let mut dump = CDump::new(&btf).unwrap();
        dump.set_output_limit(1 << 16);
        let opts = crate::dump::data::DataOptions::default();
        let data = [1u8; 8];
        assert_eq!(
            dump.dump_type_data(arr, &data, &opts).unwrap(),
            0x1fff_ffff * 4
        );
        assert_eq!(
            dump.take_output(),
            b"(int[536870911])[\n\t16843009,\n\t16843009,\n]"
        );
    }
}
