;; The simulator's per-access loop in WebAssembly: the same model, state and exits
;; as loopTlb and loopNoTlb in src/mm/access-loop.ts (read that file for the why of
;; each step), over the machine's arrays in its SimHeap memory (sim-heap.ts), each
;; passed as a byte offset. wasm-loops.ts calls it; test/mm/wasm-loop.test.ts runs
;; both loops over the same machines and requires the same results.
;;
;; Generated into access-loop-bytes.ts by scripts/build-wasm.ts; edit this file,
;; then run `npm run build:wasm` (a test fails while the two differ).
;;
;; Constants shared with TypeScript (a mismatch fails the differential test):
;;   PTE bits (vma.ts): PRESENT 1, ACCESSED 2, DIRTY 4 (shift 2), ARMED 8; the fast
;;   path runs when (flags & 9) == 1. PAGE_SIZE 4096.
;;   st slots (access-loop.ts ST_*, 8 bytes each): TIME 0, DONE 8, HITS 16,
;;   MISSES 24, LAST_TAG 32, EXIT 40, VPN 48, PFN 56, HIDDEN 64, SEEN 72,
;;   SLOT 80, WALKED 88, LIMIT 96, ASID_TAG 104.
;;   Exits: END 0, TIME 1, VMA 2, SLOW 3, TRUTH 4.
;;   VMA cache (vma-cache.ts): bounds f64 [start, end) per slot; ptrs i32
;;   [flags, frames, pmd bits] per slot.
(module
  (import "env" "mem" (memory 1 65536 shared))
  (func (export "loop")
    (param $ST i32) (param $A i32) (param $W i32) (param $i i32) (param $n i32)
    (param $BND i32) (param $PTR i32) (param $nSlots i32) (param $slot i32)
    (param $curS i32) (param $curW i32) (param $asidHash i32) (param $clrCur i32)
    (param $truth i32) (param $logAll i32) (param $TS i32) (param $TW i32) (param $TP i32) (param $TC i32)
    (param $tlbOn i32) (param $TG i32) (param $ORD i32) (param $MTF i32) (param $CS i32)
    (param $ways i32) (param $tagStride i32) (param $setMask i32)
    (param $walkNs f64) (param $FN i32) (param $LAT i32) (param $latBase i32) (param $lat0 f64)
    (result i32)
    (local $t f64) (local $limit f64) (local $asidTag f64)
    (local $F i32) (local $FR i32) (local $PM i32) (local $vs f64) (local $ve f64) (local $vsLow i32)
    (local $vpn f64) (local $idx i32) (local $f i32) (local $pfn i32) (local $k i32)
    (local $tag f64) (local $lastTag f64) (local $x i32) (local $set i32) (local $w i32) (local $m i32)
    (local $oa i32) (local $ov v128) (local $vt v128) (local $acc v128) (local $pairs i32) (local $mtfLast i32)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $e4 v128) (local $e5 v128) (local $e6 v128) (local $e7 v128)
    (local $hits i32) (local $misses i32) (local $hidden i32) (local $seen i32)
    (local $p i32) (local $pi i32) (local $lastPmd i32)
    (local $exit i32) (local $clrSeen i32) (local $a i32) (local $i0 i32) (local $walked i32)
    (local.set $t (f64.load (local.get $ST)))
    (local.set $limit (f64.load offset=96 (local.get $ST)))
    (local.set $asidTag (f64.load offset=104 (local.get $ST)))
    (local.set $lastTag (f64.load offset=32 (local.get $ST)))
    (local.set $clrSeen (i32.add (local.get $clrCur) (i32.const 1)))
    ;; The current chunk (a VMA cache slot).
    (local.set $a (i32.add (local.get $PTR) (i32.mul (local.get $slot) (i32.const 12))))
    (local.set $F (i32.load (local.get $a)))
    (local.set $FR (i32.load offset=4 (local.get $a)))
    (local.set $PM (i32.load offset=8 (local.get $a)))
    (local.set $a (i32.add (local.get $BND) (i32.shl (local.get $slot) (i32.const 4))))
    (local.set $vs (f64.load (local.get $a)))
    (local.set $ve (f64.load offset=8 (local.get $a)))
    (local.set $vsLow (i32.wrap_i64 (i64.trunc_f64_s (local.get $vs))))
    (local.set $lastPmd (i32.const -1))
    (local.set $i0 (local.get $i))
    ;; A set's tags are compared two at a time; e_k of pairs past the set's stay zero.
    (local.set $pairs (i32.shr_u (local.get $tagStride) (i32.const 1)))
    (local.set $mtfLast (i32.add (local.get $MTF) (i32.shl (i32.sub (local.get $ways) (i32.const 1)) (i32.const 4))))
    (block $out
      (loop $L
        (br_if $out (i32.ge_s (local.get $i) (local.get $n)))
        (if (f64.ge (local.get $t) (local.get $limit))
          (then (local.set $exit (i32.const 1)) (br $out)))
        (local.set $vpn (f64.floor (f64.mul
          (f64.load (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 3))))
          (f64.const 0.000244140625))))
        ;; Written so that a NaN address also leaves the fast path.
        (if (i32.eqz (i32.and (f64.ge (local.get $vpn) (local.get $vs)) (f64.lt (local.get $vpn) (local.get $ve))))
          (then
            ;; Another cached chunk: switch to it here.
            (local.set $k (i32.const 0))
            (block $found (loop $scan
              (br_if $found (i32.ge_s (local.get $k) (local.get $nSlots)))
              (local.set $a (i32.add (local.get $BND) (i32.shl (local.get $k) (i32.const 4))))
              (br_if $found (i32.and
                (f64.ge (local.get $vpn) (f64.load (local.get $a)))
                (f64.lt (local.get $vpn) (f64.load offset=8 (local.get $a)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $scan)))
            (if (i32.eq (local.get $k) (local.get $nSlots))
              (then
                (local.set $exit (i32.const 2))
                (f64.store offset=48 (local.get $ST) (local.get $vpn))
                (br $out)))
            (local.set $slot (local.get $k))
            (local.set $vs (f64.load (local.get $a)))
            (local.set $ve (f64.load offset=8 (local.get $a)))
            (local.set $a (i32.add (local.get $PTR) (i32.mul (local.get $k) (i32.const 12))))
            (local.set $F (i32.load (local.get $a)))
            (local.set $FR (i32.load offset=4 (local.get $a)))
            (local.set $PM (i32.load offset=8 (local.get $a)))
            (local.set $vsLow (i32.wrap_i64 (i64.trunc_f64_s (local.get $vs))))
            (local.set $lastPmd (i32.const -1))))
        (local.set $idx (i32.trunc_f64_s (f64.sub (local.get $vpn) (local.get $vs))))
        (local.set $f (i32.load8_u (i32.add (local.get $F) (local.get $idx))))
        (if (i32.ne (i32.and (local.get $f) (i32.const 9)) (i32.const 1))
          (then
            (local.set $exit (i32.const 3))
            (f64.store offset=48 (local.get $ST) (local.get $vpn))
            (br $out)))
        (local.set $pfn (i32.load (i32.add (local.get $FR) (i32.shl (local.get $idx) (i32.const 2)))))
        (if (local.get $truth)
          (then
            (local.set $a (i32.add (local.get $TS) (i32.shl (local.get $pfn) (i32.const 2))))
            (if (i32.ne (i32.load (local.get $a)) (local.get $curS))
              (then
                (if (i32.or
                      (i32.ne (i32.load (i32.add (local.get $TW) (i32.shl (local.get $pfn) (i32.const 2)))) (local.get $curW))
                      (local.get $logAll))
                  (then
                    (local.set $exit (i32.const 4))
                    (f64.store offset=48 (local.get $ST) (local.get $vpn))
                    (f64.store offset=56 (local.get $ST) (f64.convert_i32_s (local.get $pfn)))
                    (br $out)))
                (i32.store (local.get $a) (local.get $curS))
                (local.set $a (i32.add (local.get $TP) (i32.shl (local.get $pfn) (i32.const 1))))
                (i32.store16 (local.get $a) (i32.add (i32.load16_u (local.get $a)) (i32.const 1)))))))
        (if (i32.eqz (local.get $tlbOn))
          (then
            ;; No TLB model: every access walks, sets Accessed and the PMD's bit.
            (local.set $f (i32.or (local.get $f) (i32.const 2)))
            (local.set $pi (i32.and (i32.shr_u (i32.add (local.get $vsLow) (local.get $idx)) (i32.const 9)) (i32.const 511)))
            (if (i32.ne (local.get $pi) (local.get $lastPmd))
              (then
                (i32.store8 (i32.add (local.get $PM) (local.get $pi)) (i32.const 1))
                (local.set $lastPmd (local.get $pi))
                (local.set $walked (i32.or (local.get $walked) (i32.shl (i32.const 1) (local.get $slot)))))))
          (else
            (local.set $tag (f64.add (local.get $asidTag) (local.get $vpn)))
            (if (f64.ne (local.get $tag) (local.get $lastTag))
              (then
                (local.set $x (i32.xor (i32.add (local.get $vsLow) (local.get $idx)) (local.get $asidHash)))
                (local.set $set (i32.and (local.get $x) (local.get $setMask)))
                ;; The set's tags (tlb.ts), two per vector, all compared at once.
                (local.set $a (i32.add (local.get $TG) (i32.shl (i32.mul (local.get $set) (local.get $tagStride)) (i32.const 3))))
                (local.set $vt (f64x2.splat (local.get $tag)))
                (block $cmp
                  (local.set $e0 (f64x2.eq (v128.load offset=0 (local.get $a)) (local.get $vt)))
                  (local.set $acc (local.get $e0))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 1)))
                  (local.set $e1 (f64x2.eq (v128.load offset=16 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e1)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 2)))
                  (local.set $e2 (f64x2.eq (v128.load offset=32 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e2)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 3)))
                  (local.set $e3 (f64x2.eq (v128.load offset=48 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e3)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 4)))
                  (local.set $e4 (f64x2.eq (v128.load offset=64 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e4)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 5)))
                  (local.set $e5 (f64x2.eq (v128.load offset=80 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e5)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 6)))
                  (local.set $e6 (f64x2.eq (v128.load offset=96 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e6)))
                  (br_if $cmp (i32.le_u (local.get $pairs) (i32.const 7)))
                  (local.set $e7 (f64x2.eq (v128.load offset=112 (local.get $a)) (local.get $vt)))
                  (local.set $acc (v128.or (local.get $acc) (local.get $e7)))
                )
                ;; The set's recency order: a byte per position, the way there (tlb.ts).
                (local.set $oa (i32.add (local.get $ORD) (i32.shl (local.get $set) (i32.const 4))))
                (local.set $ov (v128.load (local.get $oa)))
                (if (v128.any_true (local.get $acc))
                  (then
                    ;; Hit: which way, and where it stands in the order.
                    (local.set $m (i64x2.bitmask (local.get $e0)))
                    (block $bm
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 1)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e1)) (i32.const 2))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 2)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e2)) (i32.const 4))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 3)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e3)) (i32.const 6))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 4)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e4)) (i32.const 8))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 5)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e5)) (i32.const 10))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 6)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e6)) (i32.const 12))))
                      (br_if $bm (i32.le_u (local.get $pairs) (i32.const 7)))
                      (local.set $m (i32.or (local.get $m) (i32.shl (i64x2.bitmask (local.get $e7)) (i32.const 14))))
                    )
                    (local.set $w (i32.ctz (local.get $m)))
                    (local.set $hits (i32.add (local.get $hits) (i32.const 1)))
                    (if (i32.eqz (i32.and (local.get $f) (i32.const 2)))
                      (then
                        (local.set $a (i32.add (local.get $CS) (i32.shl (local.get $pfn) (i32.const 2))))
                        (if (i32.and (i32.ne (i32.load (local.get $a)) (local.get $clrCur)) (i32.ne (i32.load (local.get $a)) (local.get $clrSeen)))
                          (then (i32.store (local.get $a) (local.get $clrCur)) (local.set $hidden (i32.add (local.get $hidden) (i32.const 1)))))))
                    (local.set $p (i32.ctz (i8x16.bitmask (i8x16.eq (local.get $ov) (i8x16.splat (local.get $w))))))
                    ;; Move the way to the front: one shuffle.
                    (if (local.get $p)
                      (then
                        (v128.store (local.get $oa)
                          (i8x16.swizzle (local.get $ov) (v128.load (i32.add (local.get $MTF) (i32.shl (local.get $p) (i32.const 4)))))))))
                  (else
                    ;; Miss: the least recently used way (invalid ones are last) takes the
                    ;; page and moves to the front; the walker sets Accessed.
                    (local.set $w (i32.load8_u (i32.add (local.get $oa) (i32.sub (local.get $ways) (i32.const 1)))))
                    (v128.store (local.get $oa) (i8x16.swizzle (local.get $ov) (v128.load (local.get $mtfLast))))
                    (f64.store (i32.add (local.get $TG) (i32.shl (i32.add (i32.mul (local.get $set) (local.get $tagStride)) (local.get $w)) (i32.const 3))) (local.get $tag))
                    (local.set $misses (i32.add (local.get $misses) (i32.const 1)))
                    (local.set $t (f64.add (local.get $t) (local.get $walkNs)))
                    (if (i32.eqz (i32.and (local.get $f) (i32.const 2)))
                      (then
                        (local.set $a (i32.add (local.get $CS) (i32.shl (local.get $pfn) (i32.const 2))))
                        (if (i32.ne (i32.load (local.get $a)) (local.get $clrSeen))
                          (then
                            (if (i32.eq (i32.load (local.get $a)) (local.get $clrCur))
                              (then (local.set $hidden (i32.sub (local.get $hidden) (i32.const 1)))))
                            (i32.store (local.get $a) (local.get $clrSeen))
                            (local.set $seen (i32.add (local.get $seen) (i32.const 1)))))))
                    (local.set $f (i32.or (local.get $f) (i32.const 2)))
                    (local.set $pi (i32.and (i32.shr_u (i32.add (local.get $vsLow) (local.get $idx)) (i32.const 9)) (i32.const 511)))
                    (if (i32.ne (local.get $pi) (local.get $lastPmd))
                      (then
                        (i32.store8 (i32.add (local.get $PM) (local.get $pi)) (i32.const 1))
                        (local.set $lastPmd (local.get $pi))
                        (local.set $walked (i32.or (local.get $walked) (i32.shl (i32.const 1) (local.get $slot))))))))
                (local.set $lastTag (local.get $tag)))
              (else (local.set $hits (i32.add (local.get $hits) (i32.const 1)))))))
        ;; The Dirty bit from the write flag (0/1), without a branch.
        (i32.store8 (i32.add (local.get $F) (local.get $idx))
          (i32.or (local.get $f) (i32.shl (i32.load8_u (i32.add (local.get $W) (local.get $i))) (i32.const 2))))
        (if (f64.ge (local.get $lat0) (f64.const 0))
          (then (local.set $t (f64.add (local.get $t) (local.get $lat0))))
          (else
            (local.set $t (f64.add (local.get $t) (f64.load (i32.add (local.get $LAT) (i32.shl
              (i32.add (local.get $latBase) (i32.load8_u (i32.add (local.get $FN) (local.get $pfn))))
              (i32.const 3))))))))
        (if (local.get $truth)
          (then
            (local.set $a (i32.add (local.get $TC) (i32.shl (local.get $pfn) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $L)))
    (f64.store (local.get $ST) (local.get $t))
    (f64.store offset=8 (local.get $ST) (f64.add (f64.load offset=8 (local.get $ST)) (f64.convert_i32_s (i32.sub (local.get $i) (local.get $i0)))))
    (if (local.get $tlbOn)
      (then
        (f64.store offset=16 (local.get $ST) (f64.add (f64.load offset=16 (local.get $ST)) (f64.convert_i32_s (local.get $hits))))
        (f64.store offset=24 (local.get $ST) (f64.add (f64.load offset=24 (local.get $ST)) (f64.convert_i32_s (local.get $misses))))
        (f64.store offset=64 (local.get $ST) (f64.add (f64.load offset=64 (local.get $ST)) (f64.convert_i32_s (local.get $hidden))))
        (f64.store offset=72 (local.get $ST) (f64.add (f64.load offset=72 (local.get $ST)) (f64.convert_i32_s (local.get $seen))))
        (f64.store offset=32 (local.get $ST) (local.get $lastTag))))
    (f64.store offset=40 (local.get $ST) (f64.convert_i32_s (local.get $exit)))
    (f64.store offset=80 (local.get $ST) (f64.convert_i32_s (local.get $slot)))
    (f64.store offset=88 (local.get $ST) (f64.convert_i32_s (local.get $walked)))
    (local.get $i))
  ;; A thread's batch, written for its stream (batch-fill.ts): addrs[k - 1] =
  ;; from + k * stride for k = 1..count at byte offset $p, two lanes per store and
  ;; two vectors per step so that no add waits on the one before. Sums of integers
  ;; below 2^53 are exact in any order, so this equals the stream's running sum;
  ;; the caller takes other operands elsewhere.
  (func (export "fill_steps") (param $p i32) (param $count i32) (param $from f64) (param $stride f64)
    (local $v0 v128) (local $v1 v128) (local $step v128) (local $end i32) (local $x f64)
    (local.set $v0 (f64x2.replace_lane 1
      (f64x2.splat (f64.add (local.get $from) (local.get $stride)))
      (f64.add (local.get $from) (f64.mul (local.get $stride) (f64.const 2)))))
    (local.set $v1 (f64x2.add (local.get $v0) (f64x2.splat (f64.mul (local.get $stride) (f64.const 2)))))
    (local.set $step (f64x2.splat (f64.mul (local.get $stride) (f64.const 4))))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 3))))
    (block $out (loop $L
      (br_if $out (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (local.get $v0))
      (v128.store offset=16 (local.get $p) (local.get $v1))
      (local.set $v0 (f64x2.add (local.get $v0) (local.get $step)))
      (local.set $v1 (f64x2.add (local.get $v1) (local.get $step)))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $L)))
    ;; The last count mod 4, one at a time from the next value.
    (local.set $x (f64x2.extract_lane 0 (local.get $v0)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 3))))
    (block $out (loop $L
      (br_if $out (i32.ge_u (local.get $p) (local.get $end)))
      (f64.store (local.get $p) (local.get $x))
      (local.set $x (f64.add (local.get $x) (local.get $stride)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $L))))
  ;; A batch's write flags: n bytes of value at byte offset $p.
  (func (export "fill_bytes") (param $p i32) (param $value i32) (param $n i32)
    (memory.fill (local.get $p) (local.get $value) (local.get $n)))
)
