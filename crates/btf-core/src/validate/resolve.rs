//! The CHECK_TYPE pass (`btf_check_all_types`): every type that refers to others is resolved with
//! the kernel's depth-first walk (`btf_resolve`, a 32-deep stack, visit states for loop
//! detection, the three resolve modes that decide where a walk stops), struct members are checked
//! against the resolved member types (`check_member`/`check_kflag_member`), DATASEC entries and
//! DECL_TAG targets are checked, FUNC and FUNC_PROTO get their argument checks; then the type-tag
//! placement walk (`btf_check_type_tags`).

use super::env::*;
use super::{E2BIG, EEXIST, EINVAL, ELOOP, Rejection};

const MAX_RESOLVE_DEPTH: usize = 32;
const PTR_SIZE: u32 = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Tbd,
    Ptr,
    StructOrArray,
}

const NOT_VISITED: u8 = 0;
const VISITED: u8 = 1;
const RESOLVED: u8 = 2;

/// A failed step: a logged rejection, or a bare error code (`E2BIG`/`EEXIST` from the stack,
/// logged by `btf_resolve` itself).
enum Fail {
    Msg(Box<Rejection>),
    Code(i32),
}

impl From<Rejection> for Fail {
    fn from(r: Rejection) -> Self {
        Fail::Msg(Box::new(r))
    }
}

type Step = Result<(), Fail>;

pub(super) struct Resolver<'e, 'a> {
    env: &'e Env<'a>,
    visit: Vec<u8>,
    rids: Vec<u32>,
    rsizes: Vec<u32>,
    stack: Vec<(u32, u16)>,
    mode: Mode,
}

impl<'e, 'a> Resolver<'e, 'a> {
    pub fn new(env: &'e Env<'a>) -> Self {
        let n = env.offs.len();
        Resolver {
            env,
            visit: vec![NOT_VISITED; n],
            rids: vec![0; n],
            rsizes: vec![0; n],
            stack: Vec::with_capacity(MAX_RESOLVE_DEPTH),
            mode: Mode::Tbd,
        }
    }

    fn local(&self, id: u32) -> Option<usize> {
        id.checked_sub(self.env.start_id).map(|l| l as usize)
    }

    fn t(&self, id: u32) -> Option<T<'e>> {
        self.env.type_by_id(id)
    }

    fn is_resolved(&self, id: u32) -> bool {
        match self.local(id) {
            None => true,
            Some(l) => self.visit.get(l) == Some(&RESOLVED),
        }
    }

    fn rid(&self, id: u32) -> u32 {
        self.local(id)
            .and_then(|l| self.rids.get(l).copied())
            .unwrap_or(0)
    }

    fn rsize(&self, id: u32) -> u32 {
        self.local(id)
            .and_then(|l| self.rsizes.get(l).copied())
            .unwrap_or(0)
    }

    fn is_sink(&self, t: &T<'_>) -> bool {
        match self.mode {
            Mode::Tbd => !t.needs_resolve(),
            Mode::Ptr => !t.is_modifier() && !t.is(K_PTR),
            Mode::StructOrArray => !t.is_modifier() && !t.is(K_ARRAY) && !t.is_struct(),
        }
    }

    fn push(&mut self, t: &T<'_>) -> Step {
        if self.stack.len() == MAX_RESOLVE_DEPTH {
            return Err(Fail::Code(E2BIG));
        }
        let Some(l) = self.local(t.id) else {
            return Err(Fail::Code(EEXIST));
        };
        match self.visit.get_mut(l) {
            Some(s) if *s == NOT_VISITED => *s = VISITED,
            _ => return Err(Fail::Code(EEXIST)),
        }
        self.stack.push((t.id, 0));
        if self.mode == Mode::Tbd {
            if t.is(K_PTR) {
                self.mode = Mode::Ptr;
            } else if t.is_struct() || t.is(K_ARRAY) {
                self.mode = Mode::StructOrArray;
            }
        }
        Ok(())
    }

    fn set_next_member(&mut self, n: u16) {
        if let Some(top) = self.stack.last_mut() {
            top.1 = n;
        }
    }

    fn pop_resolved(&mut self, rid: u32, rsize: u32) {
        // Nested rather than a let chain: the crates' MSRV (1.85) predates let chains (1.88).
        let Some((id, _)) = self.stack.pop() else {
            return;
        };
        if let Some(l) = self.local(id).filter(|&l| l < self.visit.len()) {
            self.rids[l] = rid;
            self.rsizes[l] = rsize;
            self.visit[l] = RESOLVED;
        }
    }

    /// `btf_type_id_size`: the sized type behind `id` and its size.
    fn id_size(&self, id: u32) -> Option<(u32, u32)> {
        let t = self.t(id)?;
        if t.nosize() {
            return None;
        }
        if t.has_size() {
            return Some((id, t.st()));
        }
        if t.is(K_ARRAY) {
            return Some((id, self.rsize(id)));
        }
        if t.is(K_PTR) {
            return Some((id, PTR_SIZE));
        }
        if !t.is_modifier() && !t.is(K_VAR) {
            return None;
        }
        let rid = self.rid(id);
        let rt = self.t(rid)?;
        let size = if rt.nosize() {
            return None;
        } else if rt.has_size() {
            rt.st()
        } else if rt.is(K_ARRAY) {
            self.rsize(rid)
        } else if rt.is(K_PTR) {
            PTR_SIZE
        } else {
            return None;
        };
        Some((rid, size))
    }

    fn ty(&self, t: &T<'_>, reason: &str) -> Fail {
        self.env.reject_type(t.id, t, true, reason).into()
    }

    fn mem(&self, st: &T<'_>, m: [u32; 3], reason: &str) -> Fail {
        self.env.reject_member(st.id, st, m, reason, true).into()
    }

    /// `btf_check_all_types`.
    pub fn check_all_types(&mut self) -> Result<(), Rejection> {
        let first = self.env.first_own_id();
        for id in first..self.env.nr_total() {
            let Some(t) = self.t(id) else { break };
            if t.needs_resolve() && !self.is_resolved(id) {
                self.resolve(&t)?;
            }
            if t.is(K_FUNC_PROTO) {
                self.func_proto_check(&t)?;
            }
        }
        Ok(())
    }

    /// `btf_resolve`.
    fn resolve(&mut self, t: &T<'_>) -> Result<(), Rejection> {
        self.mode = Mode::Tbd;
        self.stack.clear();
        let _ = self.push(t);
        let mut res: Step = Ok(());
        while res.is_ok() {
            let Some(&(id, next)) = self.stack.last() else {
                break;
            };
            let Some(v) = self.t(id) else { break };
            res = self.resolve_one(&v, next);
        }
        self.stack.clear();
        match res {
            Err(Fail::Msg(r)) => Err(*r),
            Err(Fail::Code(E2BIG)) => {
                let mut r = self.env.reject_type(
                    t.id,
                    t,
                    true,
                    &format!("Exceeded max resolving depth:{MAX_RESOLVE_DEPTH}"),
                );
                r.errno = E2BIG;
                Err(r)
            }
            Err(Fail::Code(EEXIST)) => {
                let mut r = self.env.reject_type(t.id, t, true, "Loop detected");
                r.errno = EEXIST;
                Err(r)
            }
            Err(Fail::Code(code)) => Err(Rejection {
                type_id: Some(t.id),
                errno: code,
                message: String::new(),
                context: None,
            }),
            Ok(()) => {
                if !self.resolve_valid(t) {
                    return Err(self.env.reject_type(t.id, t, true, "Invalid resolve state"));
                }
                Ok(())
            }
        }
    }

    fn resolve_one(&mut self, v: &T<'_>, next_member: u16) -> Step {
        match v.kind() {
            K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => {
                self.modifier_resolve(v, false)
            }
            K_PTR => self.modifier_resolve(v, true),
            K_VAR => self.var_resolve(v),
            K_ARRAY => self.array_resolve(v),
            K_STRUCT | K_UNION => self.struct_resolve(v, next_member),
            K_DATASEC => self.datasec_resolve(v, next_member),
            K_DECL_TAG => self.decl_tag_resolve(v),
            K_FUNC => {
                self.func_check(v)?;
                self.pop_resolved(v.st(), 0);
                Ok(())
            }
            _ => Err(self
                .env
                .reject_type(v.id, v, false, "Unsupported resolve")
                .into()),
        }
    }

    /// The start shared by modifier, PTR and VAR resolution: the next type must exist and not be a
    /// VAR/DECL_TAG/DATASEC; returns `None` after pushing it when it still needs resolving.
    fn next_or_push(&mut self, v: &T<'_>) -> Result<Option<T<'e>>, Fail> {
        let next_id = v.st();
        let next = match self.t(next_id) {
            Some(n) if !n.resolve_source_only() => n,
            _ => return Err(self.ty(v, "Invalid type_id")),
        };
        if !self.is_sink(&next) && !self.is_resolved(next_id) {
            self.push(&next)?;
            return Ok(None);
        }
        Ok(Some(next))
    }

    /// For PTR and VAR: a modifier resolved during a struct walk may stop at a pointer; continue
    /// from that pointer. Returns true after pushing it.
    fn continue_last_ptr(&mut self, next: &T<'_>) -> Result<bool, Fail> {
        if next.is_modifier() {
            let rid = self.rid(next.id);
            if let Some(rt) = self.t(rid) {
                if rt.is(K_PTR) && !self.is_sink(&rt) && !self.is_resolved(rid) {
                    self.push(&rt)?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn modifier_resolve(&mut self, v: &T<'_>, is_ptr: bool) -> Step {
        let Some(mut next) = self.next_or_push(v)? else {
            return Ok(());
        };
        if is_ptr && self.continue_last_ptr(&next)? {
            return Ok(());
        }
        let mut next_id = v.st();
        match self.id_size(next_id) {
            Some((rid, _)) => next_id = rid,
            None => {
                if self.is_resolved(next_id) {
                    next_id = self.rid(next_id);
                    match self.t(next_id) {
                        Some(n) => next = n,
                        None => return Err(self.ty(v, "Invalid type_id")),
                    }
                }
                if !next.is_void() && !next.is(K_FWD) && !next.is(K_FUNC_PROTO) {
                    return Err(self.ty(v, "Invalid type_id"));
                }
            }
        }
        self.pop_resolved(next_id, 0);
        Ok(())
    }

    fn var_resolve(&mut self, v: &T<'_>) -> Step {
        let Some(next) = self.next_or_push(v)? else {
            return Ok(());
        };
        if self.continue_last_ptr(&next)? {
            return Ok(());
        }
        match self.id_size(v.st()) {
            Some((rid, _)) => {
                self.pop_resolved(rid, 0);
                Ok(())
            }
            None => Err(self.ty(v, "Invalid type_id")),
        }
    }

    fn array_resolve(&mut self, v: &T<'_>) -> Step {
        let (elem_id, index_id, nelems) = (v.word(3), v.word(4), v.word(5));
        let index = match self.t(index_id) {
            Some(i) if !i.nosize() && !i.resolve_source_only() => i,
            _ => return Err(self.ty(v, "Invalid index")),
        };
        if !self.is_sink(&index) && !self.is_resolved(index_id) {
            return self.push(&index);
        }
        match self.id_size(index_id).and_then(|(rid, _)| self.t(rid)) {
            Some(it) if it.is(K_INT) && it.int_is_regular() => {}
            _ => return Err(self.ty(v, "Invalid index")),
        }
        let elem = match self.t(elem_id) {
            Some(e) if !e.nosize() && !e.resolve_source_only() => e,
            _ => return Err(self.ty(v, "Invalid elem")),
        };
        if !self.is_sink(&elem) && !self.is_resolved(elem_id) {
            return self.push(&elem);
        }
        let Some((rid, elem_size)) = self.id_size(elem_id) else {
            return Err(self.ty(v, "Invalid elem"));
        };
        let Some(et) = self.t(rid) else {
            return Err(self.ty(v, "Invalid elem"));
        };
        if et.is(K_INT) && !et.int_is_regular() {
            return Err(self.ty(v, "Invalid array of int"));
        }
        if nelems != 0 && elem_size > u32::MAX / nelems {
            return Err(self.ty(v, "Array size overflows U32_MAX"));
        }
        self.pop_resolved(rid, elem_size.wrapping_mul(nelems));
        Ok(())
    }

    fn member(st: &T<'_>, i: usize) -> [u32; 3] {
        [st.word(3 + 3 * i), st.word(4 + 3 * i), st.word(5 + 3 * i)]
    }

    fn struct_resolve(&mut self, v: &T<'_>, next_member: u16) -> Step {
        if next_member > 0 {
            let m = Self::member(v, next_member as usize - 1);
            if !self.is_resolved(m[1]) {
                return Err(Fail::Code(EINVAL));
            }
            let Some(mt) = self.t(m[1]) else {
                return Err(Fail::Code(EINVAL));
            };
            self.check_member(v, m, &mt, v.kflag())?;
        }
        for i in next_member as usize..v.vlen() as usize {
            let m = Self::member(v, i);
            let mt = match self.t(m[1]) {
                Some(mt) if !mt.nosize() && !mt.resolve_source_only() => mt,
                _ => return Err(self.mem(v, m, "Invalid member")),
            };
            if !self.is_sink(&mt) && !self.is_resolved(m[1]) {
                self.set_next_member((i + 1) as u16);
                return self.push(&mt);
            }
            self.check_member(v, m, &mt, v.kflag())?;
        }
        self.pop_resolved(0, 0);
        Ok(())
    }

    /// The member type's `check_member` (or `check_kflag_member` when the struct has kind_flag).
    fn check_member(&self, st: &T<'_>, m: [u32; 3], mt: &T<'_>, kflag: bool) -> Step {
        let struct_size = st.st();
        let generic = |this: &Self| -> Step {
            if m[2] >> 24 != 0 {
                return Err(this.mem(st, m, "Invalid member bitfield_size"));
            }
            this.check_member(st, m, mt, false)
        };
        let bytes_fit = |this: &Self, size: u32| -> Step {
            if m[2] & 7 != 0 {
                return Err(this.mem(st, m, "Member is not byte aligned"));
            }
            if struct_size.wrapping_sub(m[2] / 8) < size {
                return Err(this.mem(st, m, "Member exceeds struct_size"));
            }
            Ok(())
        };
        match mt.kind() {
            _ if mt.is_void() => Err(self
                .env
                .reject_type(st.id, st, false, "Unsupported check_member")
                .into()),
            K_INT if kflag => self.int_kflag_member(st, m, mt),
            K_INT => self.int_member(st, m, mt),
            K_PTR | K_ARRAY | K_STRUCT | K_UNION | K_FLOAT if kflag => generic(self),
            K_PTR => bytes_fit(self, PTR_SIZE),
            K_ARRAY => {
                let size = self.id_size(m[1]).map_or(0, |(_, s)| s);
                bytes_fit(self, size)
            }
            K_STRUCT | K_UNION => bytes_fit(self, mt.st()),
            K_ENUM | K_ENUM64 if kflag => {
                let off = m[2] & 0x00ff_ffff;
                let mut nr_bits = m[2] >> 24;
                if nr_bits == 0 {
                    if off & 7 != 0 {
                        return Err(self.mem(st, m, "Member is not byte aligned"));
                    }
                    nr_bits = 32;
                } else if nr_bits > 32 {
                    return Err(self.mem(st, m, "Invalid member bitfield_size"));
                }
                if struct_size < (off + nr_bits).div_ceil(8) {
                    return Err(self.mem(st, m, "Member exceeds struct_size"));
                }
                Ok(())
            }
            K_ENUM | K_ENUM64 => bytes_fit(self, mt.st()),
            K_FLOAT => {
                let align_bits = (PTR_SIZE.min(mt.st()) as u64) * 8;
                if align_bits != 0 && m[2] as u64 % align_bits != 0 {
                    return Err(self.mem(st, m, "Member is not properly aligned"));
                }
                if (m[2] / 8) as u64 + mt.st() as u64 > struct_size as u64 {
                    return Err(self.mem(st, m, "Member exceeds struct_size"));
                }
                Ok(())
            }
            K_TYPEDEF | K_VOLATILE | K_CONST | K_RESTRICT | K_TYPE_TAG => {
                let Some((rid, _)) = self.id_size(m[1]) else {
                    return Err(self.mem(st, m, "Invalid member"));
                };
                let Some(rt) = self.t(rid) else {
                    return Err(self.mem(st, m, "Invalid member"));
                };
                self.check_member(st, [m[0], rid, m[2]], &rt, kflag)
            }
            _ => {
                let reason = if kflag {
                    "Unsupported check_kflag_member"
                } else {
                    "Unsupported check_member"
                };
                Err(self.env.reject_type(st.id, st, false, reason).into())
            }
        }
    }

    fn int_member(&self, st: &T<'_>, m: [u32; 3], mt: &T<'_>) -> Step {
        let d = mt.word(3);
        let int_off = (d >> 16) & 0xff;
        if u32::MAX - m[2] < int_off {
            return Err(self.mem(st, m, "bits_offset exceeds U32_MAX"));
        }
        let off = m[2] + int_off;
        let bytes_offset = off / 8;
        let nr_copy_bits = (d & 0xff) + (off & 7);
        if nr_copy_bits > 128 {
            return Err(self.mem(st, m, "nr_copy_bits exceeds 128"));
        }
        if st.st() < bytes_offset || st.st() - bytes_offset < nr_copy_bits.div_ceil(8) {
            return Err(self.mem(st, m, "Member exceeds struct_size"));
        }
        Ok(())
    }

    fn int_kflag_member(&self, st: &T<'_>, m: [u32; 3], mt: &T<'_>) -> Step {
        if !mt.int_is_regular() {
            return Err(self.mem(st, m, "Invalid member base type"));
        }
        let mut nr_bits = m[2] >> 24;
        let off = m[2] & 0x00ff_ffff;
        let int_bits = mt.word(3) & 0xff;
        if nr_bits == 0 {
            if off & 7 != 0 {
                return Err(self.mem(st, m, "Invalid member offset"));
            }
            nr_bits = int_bits;
        } else if nr_bits > int_bits {
            return Err(self.mem(st, m, "Invalid member bitfield_size"));
        }
        let bytes_offset = off / 8;
        let nr_copy_bits = nr_bits + (off & 7);
        if nr_copy_bits > 128 {
            return Err(self.mem(st, m, "nr_copy_bits exceeds 128"));
        }
        if st.st() < bytes_offset || st.st() - bytes_offset < nr_copy_bits.div_ceil(8) {
            return Err(self.mem(st, m, "Member exceeds struct_size"));
        }
        Ok(())
    }

    fn datasec_resolve(&mut self, v: &T<'_>, next_member: u16) -> Step {
        self.mode = Mode::Tbd;
        for i in next_member as usize..v.vlen() as usize {
            let vsi = [v.word(3 + 3 * i), v.word(4 + 3 * i), v.word(5 + 3 * i)];
            let bad = |this: &Self, reason: &str| -> Fail {
                this.env.reject_vsi(v.id, v, vsi, reason, true).into()
            };
            let var = match self.t(vsi[0]) {
                Some(var) if var.is(K_VAR) => var,
                _ => return Err(bad(self, "Not a VAR kind member")),
            };
            if !self.is_sink(&var) && !self.is_resolved(vsi[0]) {
                self.set_next_member((i + 1) as u16);
                return self.push(&var);
            }
            let Some((_, size)) = self.id_size(var.st()) else {
                return Err(bad(self, "Invalid type"));
            };
            if vsi[2] < size {
                return Err(bad(self, "Invalid size"));
            }
        }
        self.pop_resolved(0, 0);
        Ok(())
    }

    fn decl_tag_resolve(&mut self, v: &T<'_>) -> Step {
        let next_id = v.st();
        let next = match self.t(next_id) {
            Some(n) if n.is_decl_tag_target() => n,
            _ => return Err(self.ty(v, "Invalid type_id")),
        };
        if !self.is_sink(&next) && !self.is_resolved(next_id) {
            return self.push(&next);
        }
        let idx = v.word(3) as i32;
        if idx != -1 {
            if next.is(K_VAR) || next.is(K_TYPEDEF) {
                return Err(self.ty(v, "Invalid component_idx"));
            }
            let vlen = if next.is_struct() {
                next.vlen()
            } else {
                self.t(next.st()).map_or(0, |p| p.vlen())
            };
            if idx as u32 >= vlen {
                return Err(self.ty(v, "Invalid component_idx"));
            }
        }
        self.pop_resolved(next_id, 0);
        Ok(())
    }

    /// `btf_func_check`: the FUNC's type is a FUNC_PROTO whose arguments all have names.
    fn func_check(&self, t: &T<'_>) -> Step {
        let proto = match self.t(t.st()) {
            Some(p) if p.is(K_FUNC_PROTO) => p,
            _ => return Err(self.ty(t, "Invalid type_id")),
        };
        for i in 0..proto.vlen() as usize {
            let (name, ty) = (proto.word(3 + 2 * i), proto.word(4 + 2 * i));
            if name == 0 && ty != 0 {
                return Err(self.ty(t, &format!("Invalid arg#{}", i + 1)));
            }
        }
        Ok(())
    }

    /// `btf_func_proto_check`: return and argument types exist, are resolved and have a size;
    /// only the last argument may be the vararg `void`; named arguments have valid names.
    fn func_proto_check(&mut self, t: &T<'_>) -> Result<(), Rejection> {
        let fail = |env: &Env<'_>, reason: String| env.reject_type(t.id, t, true, &reason);
        if t.st() != 0 {
            let ret_id = t.st();
            let ret = match self.t(ret_id) {
                Some(r) if !r.resolve_source_only() => r,
                _ => return Err(fail(self.env, "Invalid return type".into())),
            };
            if ret.needs_resolve() && !self.is_resolved(ret_id) {
                self.resolve(&ret)?;
            }
            if self.id_size(ret_id).is_none() {
                return Err(fail(self.env, "Invalid return type".into()));
            }
        }
        let mut nr_args = t.vlen() as usize;
        if nr_args == 0 {
            return Ok(());
        }
        let arg = |i: usize| (t.word(3 + 2 * i), t.word(4 + 2 * i));
        if arg(nr_args - 1).1 == 0 {
            if arg(nr_args - 1).0 != 0 {
                return Err(fail(self.env, format!("Invalid arg#{nr_args}")));
            }
            nr_args -= 1;
        }
        for i in 0..nr_args {
            let (name, ty) = arg(i);
            let bad = |env: &Env<'_>| fail(env, format!("Invalid arg#{}", i + 1));
            let at = match self.t(ty) {
                Some(a) if !a.resolve_source_only() => a,
                _ => return Err(bad(self.env)),
            };
            if name != 0
                && (!self.env.name_offset_valid(name) || !self.env.name_valid_identifier(name))
            {
                return Err(bad(self.env));
            }
            if at.needs_resolve() && !self.is_resolved(ty) {
                self.resolve(&at)?;
            }
            if self.id_size(ty).is_none() {
                return Err(bad(self.env));
            }
        }
        Ok(())
    }

    /// `btf_resolve_valid`: the final sanity check of a resolved type.
    fn resolve_valid(&self, t: &T<'_>) -> bool {
        let id = t.id;
        if !self.is_resolved(id) {
            return false;
        }
        if t.is_struct() || t.is(K_DATASEC) {
            return self.rid(id) == 0 && self.rsize(id) == 0;
        }
        if t.is(K_DECL_TAG) || t.is(K_FUNC) {
            return self.rid(id) != 0 && self.rsize(id) == 0;
        }
        if t.is_modifier() || t.is(K_PTR) || t.is(K_VAR) {
            return self
                .t(self.rid(id))
                .is_some_and(|r| !r.is_modifier() && !r.is(K_VAR) && !r.is(K_DATASEC));
        }
        if t.is(K_ARRAY) {
            let nelems = t.word(5);
            return self.id_size(t.word(3)).is_some_and(|(eid, esize)| {
                self.t(eid).is_some_and(|e| !e.is_modifier())
                    && nelems.wrapping_mul(esize) == self.rsize(id)
            });
        }
        false
    }
}

/// `btf_check_type_tags`: in every modifier chain, type tags come first; chains are at most 32
/// long. An unknown id on the way fails with `EINVAL` and no message.
pub(super) fn check_type_tags(env: &Env<'_>) -> Result<(), Rejection> {
    let start = env.first_own_id();
    let mut good_id: i64 = start as i64 - 1;
    let silent = |id: u32| Rejection {
        type_id: Some(id),
        errno: EINVAL,
        message: String::new(),
        context: None,
    };
    for i in start..env.nr_total() {
        let Some(mut t) = env.type_by_id(i) else {
            return Err(silent(i));
        };
        if !t.is_modifier() {
            continue;
        }
        let mut chain_limit = 32;
        let mut cur_id = i;
        let mut in_tags = t.is(K_TYPE_TAG);
        while t.is_modifier() {
            if chain_limit == 0 {
                return Err(Rejection {
                    type_id: Some(i),
                    errno: ELOOP,
                    message: "Max chain length or cycle detected".into(),
                    context: None,
                });
            }
            chain_limit -= 1;
            if t.is(K_TYPE_TAG) {
                if !in_tags {
                    return Err(Rejection {
                        type_id: Some(i),
                        errno: EINVAL,
                        message: "Type tags don't precede modifiers".into(),
                        context: None,
                    });
                }
            } else {
                in_tags = false;
            }
            if (cur_id as i64) <= good_id {
                break;
            }
            cur_id = t.st();
            t = match env.type_by_id(cur_id) {
                Some(n) => n,
                None => return Err(silent(i)),
            };
        }
        good_id = i as i64;
    }
    Ok(())
}
