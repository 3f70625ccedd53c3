/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * Byte order: BTF written in the other byte order (btf__set_endianness + btf__raw_data) is
 * checked against an independent swap of the native bytes (every type-section word is a u32, the
 * header's magic a u16), read back with btf__new (keeping the foreign order), written again
 * identically, switched back to native, and modified after being read in foreign order.
 */
#include "harness.h"
#include "fixtures.h"

#define NATIVE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? BTF_LITTLE_ENDIAN : BTF_BIG_ENDIAN)
#define FOREIGN (NATIVE == BTF_LITTLE_ENDIAN ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN)

/* The foreign-order image of native raw BTF `raw` (24-byte header, types, strings). */
static void *swap_raw(const void *raw, __u32 size)
{
	const struct btf_header *h = raw;
	struct btf_header *o;
	__u8 *out = malloc(size);
	__u32 i;

	if (!out)
		return NULL;
	memcpy(out, raw, size);
	o = (struct btf_header *)out;
	o->magic = __builtin_bswap16(h->magic);
	o->hdr_len = __builtin_bswap32(h->hdr_len);
	o->type_off = __builtin_bswap32(h->type_off);
	o->type_len = __builtin_bswap32(h->type_len);
	o->str_off = __builtin_bswap32(h->str_off);
	o->str_len = __builtin_bswap32(h->str_len);
	for (i = 0; i < h->type_len; i += 4) {
		__u32 w;

		memcpy(&w, out + h->hdr_len + h->type_off + i, 4);
		w = __builtin_bswap32(w);
		memcpy(out + h->hdr_len + h->type_off + i, &w, 4);
	}
	return out;
}

static void same_text(const struct btf *a, const struct btf *b)
{
	__u32 id, n = btf__type_cnt(a);

	if (!ASSERT_EQ(btf__type_cnt(b), n))
		return;
	for (id = 1; id < n; id++) {
		char text[8192];

		snprintf(text, sizeof(text), "%s", btf_raw_text(a, id));
		if (!ASSERT_STREQ(btf_raw_text(b, id), text))
			return;
	}
}

static void check_round_trip(const char *what, struct btf *btf)
{
	__u32 native_size, size, size2;
	void *native = harness_raw_copy(btf, &native_size), *expected = NULL, *foreign = NULL;
	struct btf *parsed = NULL, *reparsed = NULL;
	const void *raw;
	int var_id;

	printf("-- %s\n", what);
	if (!ASSERT_OK_PTR(native))
		return;
	ASSERT_EQ(btf__endianness(btf), NATIVE);
	expected = swap_raw(native, native_size);

	/* written in the other order: exactly the independent swap */
	ASSERT_OK(btf__set_endianness(btf, FOREIGN));
	ASSERT_EQ(btf__endianness(btf), FOREIGN);
	foreign = harness_raw_copy(btf, &size);
	if (!ASSERT_OK_PTR(foreign) || !ASSERT_EQ(size, native_size))
		goto out;
	ASSERT_MEMEQ(foreign, expected, size);
	ASSERT_EQ(((const struct btf_header *)foreign)->magic, __builtin_bswap16(BTF_MAGIC));

	/* read back: same types, the order remembered, the same bytes written again */
	parsed = btf__new(foreign, size);
	if (!ASSERT_OK_PTR(parsed))
		goto out;
	ASSERT_EQ(btf__endianness(parsed), FOREIGN);
	same_text(btf, parsed);
	raw = btf__raw_data(parsed, &size2);
	if (ASSERT_EQ(size2, size))
		ASSERT_MEMEQ(raw, foreign, size);

	/* switched back: the native bytes */
	ASSERT_OK(btf__set_endianness(parsed, NATIVE));
	ASSERT_EQ(btf__endianness(parsed), NATIVE);
	raw = btf__raw_data(parsed, &size2);
	if (ASSERT_EQ(size2, native_size))
		ASSERT_MEMEQ(raw, native, native_size);
	ASSERT_EQ(((const struct btf_header *)raw)->magic, BTF_MAGIC);

	/* modified while foreign, written foreign, read back */
	ASSERT_OK(btf__set_endianness(parsed, FOREIGN));
	var_id = btf__add_var(parsed, "some_var", BTF_VAR_GLOBAL_ALLOCATED, 1);
	ASSERT_EQ(var_id, (int)btf__type_cnt(btf));
	raw = btf__raw_data(parsed, &size2);
	if (!ASSERT_OK_PTR(raw))
		goto out;
	ASSERT_EQ(((const struct btf_header *)raw)->magic, __builtin_bswap16(BTF_MAGIC));
	reparsed = btf__new(raw, size2);
	if (ASSERT_OK_PTR(reparsed)) {
		const struct btf_type *t = btf__type_by_id(reparsed, var_id);

		ASSERT_EQ(btf__endianness(reparsed), FOREIGN);
		if (ASSERT_OK_PTR(t)) {
			ASSERT_EQ(BTF_INFO_KIND(t->info), BTF_KIND_VAR);
			ASSERT_STREQ(btf__name_by_offset(reparsed, t->name_off), "some_var");
			ASSERT_EQ(t->type, 1);
			ASSERT_EQ(((const struct btf_var *)(t + 1))->linkage,
				  BTF_VAR_GLOBAL_ALLOCATED);
		}
		ASSERT_STREQ(btf_raw_text(reparsed, 1), btf_raw_text(btf, 1));
	}
out:
	/* the source, back to native, is as it was */
	ASSERT_OK(btf__set_endianness(btf, NATIVE));
	raw = btf__raw_data(btf, &size2);
	if (ASSERT_EQ(size2, native_size))
		ASSERT_MEMEQ(raw, native, native_size);
	btf__free(reparsed);
	btf__free(parsed);
	free(foreign);
	free(expected);
	free(native);
}

/* A split BTF keeps its own order; its base can be in either. */
static void test_split_orders(void)
{
	struct btf *base = fixture_small_base(), *split, *parsed;
	__u32 size, native_size;
	void *native, *expected;
	const void *raw;

	if (!ASSERT_OK_PTR(base))
		return;
	split = btf__new_empty_split(base);
	btf__add_struct(split, "s2", 8);
	btf__add_field(split, "a", 3, 0, 0);
	btf__add_field(split, "b", 1, 32, 0);
	btf__add_enum64(split, "e", 8, true);
	btf__add_enum64_value(split, "V", -5);
	native = harness_raw_copy(split, &native_size);
	expected = native ? swap_raw(native, native_size) : NULL;
	ASSERT_OK(btf__set_endianness(split, FOREIGN));
	raw = btf__raw_data(split, &size);
	if (ASSERT_OK_PTR(expected) && ASSERT_OK_PTR(raw) && ASSERT_EQ(size, native_size))
		ASSERT_MEMEQ(raw, expected, size);
	parsed = btf__new_split(raw, size, base);
	if (ASSERT_OK_PTR(parsed)) {
		ASSERT_EQ(btf__endianness(parsed), FOREIGN);
		ASSERT_EQ(btf__endianness(base), NATIVE);
		ASSERT_STREQ(btf_raw_text(parsed, 4),
			     "[4] STRUCT 's2' size=8 vlen=2\n\t'a' type_id=3 bits_offset=0\n"
			     "\t'b' type_id=1 bits_offset=32");
		ASSERT_STREQ(btf_raw_text(parsed, 5),
			     "[5] ENUM64 'e' encoding=SIGNED size=8 vlen=1\n\t'V' val=-5");
	}
	btf__free(parsed);
	btf__free(split);
	free(expected);
	free(native);
	btf__free(base);
}

/* Raw bytes handed out stay valid as libbpf keeps them: native ones across a switch to the
 * foreign order and across btf__set_pointer_size (neither changes the content); a modification
 * rebuilds them. (A use after free here is what valgrind and ASan would report.) */
static void test_raw_lifetimes(void)
{
	struct btf *btf = fixture_all_kinds(false);
	const __u8 *native, *foreign;
	void *copy;
	__u32 size, size2;

	if (!ASSERT_OK_PTR(btf))
		return;
	native = btf__raw_data(btf, &size);
	copy = harness_raw_copy(btf, &size2);
	if (!ASSERT_OK_PTR(native) || !ASSERT_OK_PTR(copy))
		goto out;
	ASSERT_OK(btf__set_endianness(btf, FOREIGN));
	foreign = btf__raw_data(btf, &size2);
	ASSERT_OK_PTR(foreign);
	ASSERT_MEMEQ(native, copy, size);             /* still readable, unchanged */
	ASSERT_OK(btf__set_pointer_size(btf, 4));
	ASSERT_MEMEQ(native, copy, size);
	ASSERT_TRUE(btf__raw_data(btf, &size2) == (const void *)foreign); /* still cached */
	ASSERT_OK(btf__set_endianness(btf, NATIVE));
	ASSERT_TRUE(btf__raw_data(btf, &size2) == (const void *)native);  /* the same buffer */
	ASSERT_MEMEQ(native, copy, size);
out:
	free(copy);
	btf__free(btf);
}

int main(int argc, char **argv)
{
	struct btf *btf;

	harness_init(argc, argv);

	btf = btf__parse_raw(TEST_DATA("small.btf"));
	if (ASSERT_OK_PTR(btf))
		check_round_trip("small.btf", btf);
	btf__free(btf);

	btf = fixture_all_kinds(false);
	if (ASSERT_OK_PTR(btf))
		check_round_trip("every kind", btf);
	btf__free(btf);

	btf = btf__new_empty();
	if (ASSERT_OK_PTR(btf)) {
		btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
		check_round_trip("one int", btf);
	}
	btf__free(btf);

	test_split_orders();
	test_raw_lifetimes();
	return harness_done();
}
