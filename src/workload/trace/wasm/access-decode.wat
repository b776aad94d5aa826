;; A replay's access decoding in WebAssembly: the write flags and clocks, and the
;; four address lanes, of one access chunk's payload (docs/trace-format.md), as
;; access-decode.ts's lean decode does them in JavaScript. That decoder stays the
;; reference: test/workload/trace/wasm-decode.test.ts decodes every fixture chunk
;; and thousands of damaged payloads both ways and requires the same arrays and the
;; same verdicts. access-decode.ts parses the prelude and the thread runs, copies the
;; payload to offset 0 of this module's memory and lays out the outputs after it.
;;
;; Generated into access-decode-bytes.ts by scripts/build-wasm.ts; edit this file,
;; then run `npm run build:wasm` (a test fails while the two differ).
;;
;; Clocks: an integer run added to a float base, as in JavaScript; both are exact
;; while the clocks stay below 2^53, and a chunk whose clocks leave [0, 2^52) is
;; refused either way. Escaped steps are decoded with the same float operations in
;; the same order as the JavaScript, so they round alike where they round at all.
(module
  (memory (export "mem") 1)

  ;; Write flags into $W and clocks into $C for accesses [0, n). State out at $S,
  ;; f64 each: size-escape position, clock-escape position, last clock, any step
  ;; back (0/1), any clock out of range (0/1).
  (func (export "opsClock")
    (param $n i32) (param $opsAt i32) (param $clkAt i32) (param $rawLen i32)
    (param $sp i32) (param $cp i32) (param $clk f64) (param $C i32) (param $W i32) (param $S i32)
    (local $i i32) (local $op i32) (local $c i32) (local $run i64) (local $neg i32) (local $oor i32)
    (local $q i32) (local $z f64) (local $mul f64) (local $b i32) (local $before f64) (local $odd i32)
    (local $ov v128) (local $cv v128) (local $lo v128) (local $hi v128) (local $q4 v128) (local $base v128)
    (local $a i32) (local $stop i32)
    (loop $Outer
    ;; Sixteen accesses at a time while none escapes: write flags shifted out of the op
    ;; bytes, clocks as the prefix sums of the clock bytes (at most 16 × 254, in i16
    ;; lanes) added to the running clock. A block with an escape takes the scalar loop.
    (block $fast
      (loop $F
        (br_if $fast (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $ov (v128.load (i32.add (local.get $opsAt) (local.get $i))))
        (local.set $cv (v128.load (i32.add (local.get $clkAt) (local.get $i))))
        (br_if $fast (v128.any_true (v128.or
          (i8x16.eq (v128.and (local.get $ov) (v128.const i8x16 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7))
            (v128.const i8x16 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7))
          (i8x16.eq (local.get $cv) (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)))))
        (v128.store (i32.add (local.get $W) (local.get $i))
          (v128.and (i8x16.shr_u (local.get $ov) (i32.const 3))
            (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
        (local.set $lo (i16x8.extend_low_i8x16_u (local.get $cv)))
        (local.set $hi (i16x8.extend_high_i8x16_u (local.get $cv)))
        (local.set $lo (i16x8.add (local.get $lo)
          (i8x16.shuffle 16 17 0 1 2 3 4 5 6 7 8 9 10 11 12 13 (local.get $lo) (v128.const i64x2 0 0))))
        (local.set $hi (i16x8.add (local.get $hi)
          (i8x16.shuffle 16 17 0 1 2 3 4 5 6 7 8 9 10 11 12 13 (local.get $hi) (v128.const i64x2 0 0))))
        (local.set $lo (i16x8.add (local.get $lo)
          (i8x16.shuffle 16 17 18 19 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $lo) (v128.const i64x2 0 0))))
        (local.set $hi (i16x8.add (local.get $hi)
          (i8x16.shuffle 16 17 18 19 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $hi) (v128.const i64x2 0 0))))
        (local.set $lo (i16x8.add (local.get $lo)
          (i8x16.shuffle 16 17 18 19 20 21 22 23 0 1 2 3 4 5 6 7 (local.get $lo) (v128.const i64x2 0 0))))
        (local.set $hi (i16x8.add (local.get $hi)
          (i8x16.shuffle 16 17 18 19 20 21 22 23 0 1 2 3 4 5 6 7 (local.get $hi) (v128.const i64x2 0 0))))
        (local.set $hi (i16x8.add (local.get $hi) (i16x8.splat (i16x8.extract_lane_u 7 (local.get $lo)))))
        (local.set $base (f64x2.splat (f64.add (local.get $clk) (f64.convert_i64_s (local.get $run)))))
        (local.set $a (i32.add (local.get $C) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $q4 (i32x4.extend_low_i16x8_u (local.get $lo)))
        (v128.store offset=0 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u (local.get $q4))))
        (v128.store offset=16 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $q4) (local.get $q4)))))
        (local.set $q4 (i32x4.extend_high_i16x8_u (local.get $lo)))
        (v128.store offset=32 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u (local.get $q4))))
        (v128.store offset=48 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $q4) (local.get $q4)))))
        (local.set $q4 (i32x4.extend_low_i16x8_u (local.get $hi)))
        (v128.store offset=64 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u (local.get $q4))))
        (v128.store offset=80 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $q4) (local.get $q4)))))
        (local.set $q4 (i32x4.extend_high_i16x8_u (local.get $hi)))
        (v128.store offset=96 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u (local.get $q4))))
        (v128.store offset=112 (local.get $a) (f64x2.add (local.get $base) (f64x2.convert_low_i32x4_u
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $q4) (local.get $q4)))))
        (local.set $run (i64.add (local.get $run) (i64.extend_i32_u (i16x8.extract_lane_u 7 (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $F)))
    ;; One access at a time: a block with an escape (or the last few accesses),
    ;; then back to sixteen at a time.
    (local.set $stop (i32.add (local.get $i) (i32.const 16)))
    (if (i32.gt_u (local.get $stop) (local.get $n)) (then (local.set $stop (local.get $n))))
    (block $done
      (loop $L
        (br_if $done (i32.ge_u (local.get $i) (local.get $stop)))
        (local.set $op (i32.load8_u (i32.add (local.get $opsAt) (local.get $i))))
        (i32.store8 (i32.add (local.get $W) (local.get $i))
          (i32.and (i32.shr_u (local.get $op) (i32.const 3)) (i32.const 1)))
        ;; A size escape is consumed even though sizes are not decoded: its stream's length is checked.
        (if (i32.eq (i32.and (local.get $op) (i32.const 7)) (i32.const 7))
          (then (local.set $sp (i32.add (local.get $sp) (i32.const 2)))))
        (local.set $c (i32.load8_u (i32.add (local.get $clkAt) (local.get $i))))
        (if (i32.ne (local.get $c) (i32.const 255))
          (then (local.set $run (i64.add (local.get $run) (i64.extend_i32_u (local.get $c)))))
          (else
            ;; Clock escape: a zigzag varint in the escape stream (zero bytes past the payload's end).
            (local.set $clk (f64.add (local.get $clk) (f64.convert_i64_s (local.get $run))))
            (local.set $run (i64.const 0))
            (local.set $q (local.get $cp))
            (local.set $z (f64.const 0))
            (local.set $mul (f64.const 1))
            (loop $V
              (local.set $b (i32.const 0))
              (if (i32.lt_u (local.get $q) (local.get $rawLen))
                (then (local.set $b (i32.load8_u (local.get $q)))))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (local.set $z (f64.add (local.get $z)
                (f64.mul (f64.convert_i32_u (i32.and (local.get $b) (i32.const 127))) (local.get $mul))))
              (local.set $mul (f64.mul (local.get $mul) (f64.const 128)))
              (br_if $V (i32.and
                (i32.ge_u (local.get $b) (i32.const 128))
                (f64.lt (local.get $mul) (f64.const 0x1p63)))))
            (local.set $cp (local.get $q))
            ;; z % 2 === 1 (doubles from 2^53 up are even).
            (local.set $odd (f64.eq
              (f64.sub (local.get $z) (f64.mul (f64.const 2) (f64.floor (f64.mul (local.get $z) (f64.const 0.5)))))
              (f64.const 1)))
            (if (local.get $odd) (then (local.set $neg (i32.const 1))))
            (local.set $before (local.get $clk))
            (if (local.get $odd)
              (then (local.set $clk (f64.add (local.get $clk)
                (f64.div (f64.neg (f64.add (local.get $z) (f64.const 1))) (f64.const 2)))))
              (else (local.set $clk (f64.add (local.get $clk) (f64.div (local.get $z) (f64.const 2))))))
            (if (i32.eqz (i32.and
                  (i32.and (f64.lt (local.get $before) (f64.const 0x1p52)) (f64.ge (local.get $clk) (f64.const 0)))
                  (f64.lt (local.get $clk) (f64.const 0x1p52))))
              (then (local.set $oor (i32.const 1))))))
        (f64.store (i32.add (local.get $C) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (local.get $clk) (f64.convert_i64_s (local.get $run))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $L)))
    (br_if $Outer (i32.lt_u (local.get $i) (local.get $n))))
    (f64.store (local.get $S) (f64.convert_i32_u (local.get $sp)))
    (f64.store offset=8 (local.get $S) (f64.convert_i32_u (local.get $cp)))
    (f64.store offset=16 (local.get $S) (f64.add (local.get $clk) (f64.convert_i64_s (local.get $run))))
    (f64.store offset=24 (local.get $S) (f64.convert_i32_u (local.get $neg)))
    (f64.store offset=32 (local.get $S) (f64.convert_i32_u (local.get $oor))))

  ;; A 7-byte zigzag delta at $p, summed from its top byte in doubles as access-decode.ts does.
  (func $longDelta (param $p i32) (result f64)
    (local $z f64) (local $k i32)
    (local.set $k (i32.const 6))
    (loop $B
      (local.set $z (f64.add (f64.mul (local.get $z) (f64.const 256))
        (f64.convert_i32_u (i32.load8_u (i32.add (local.get $p) (local.get $k))))))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $B (i32.ge_s (local.get $k) (i32.const 0))))
    (if (result f64)
      (f64.eq (f64.sub (local.get $z) (f64.mul (f64.const 2) (f64.floor (f64.mul (local.get $z) (f64.const 0.5)))))
        (f64.const 1))
      (then (f64.div (f64.neg (f64.add (local.get $z) (f64.const 1))) (f64.const 2)))
      (else (f64.div (local.get $z) (f64.const 2)))))

  ;; Accesses [from, to) of one lane: its delta stream from $p, its base slots at
  ;; $slots (4 f64). Returns the stream's end, or -1 when it would pass $end.
  (func $lane (param $opsAt i32) (param $from i32) (param $to i32) (param $p i32) (param $end i32)
    (param $slots i32) (param $A i32) (result i32)
    (local $i i32) (local $o i32) (local $l i32) (local $z i32) (local $d f64) (local $s i32) (local $a f64)
    (local.set $i (local.get $from))
    (block $done
      (loop $L
        (br_if $done (i32.ge_s (local.get $i) (local.get $to)))
        (local.set $o (i32.load8_u (i32.add (local.get $opsAt) (local.get $i))))
        (local.set $l (i32.add (i32.shr_u (local.get $o) (i32.const 6)) (i32.const 1)))
        (if (i32.eq (local.get $l) (i32.const 4))
          (then
            (if (i32.gt_s (i32.add (local.get $p) (i32.const 7)) (local.get $end)) (then (return (i32.const -1))))
            (local.set $d (call $longDelta (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 7))))
          (else
            (if (i32.gt_s (i32.add (local.get $p) (local.get $l)) (local.get $end)) (then (return (i32.const -1))))
            (local.set $z (i32.and (i32.load (local.get $p))
              (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $l) (i32.const 3))) (i32.const 1))))
            (local.set $d (f64.convert_i32_s (i32.xor (i32.shr_u (local.get $z) (i32.const 1))
              (i32.sub (i32.const 0) (i32.and (local.get $z) (i32.const 1))))))
            (local.set $p (i32.add (local.get $p) (local.get $l)))))
        (local.set $s (i32.add (local.get $slots)
          (i32.shl (i32.and (i32.shr_u (local.get $o) (i32.const 4)) (i32.const 3)) (i32.const 3))))
        (local.set $a (f64.add (f64.load (local.get $s)) (local.get $d)))
        (f64.store (local.get $s) (local.get $a))
        (f64.store (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 3))) (local.get $a))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $L)))
    (local.get $p))

  ;; Addresses into $A for accesses [0, n): lane k holds [k·laneLen, (k+1)·laneLen)
  ;; and its stream is [$e_k, $e_{k+1}). $B is scratch for the 16 base slots. Returns
  ;; 1 when every lane's stream ends exactly where the next begins, else 0.
  (func (export "addresses")
    (param $n i32) (param $opsAt i32) (param $laneLen i32) (param $both i32)
    (param $e0 i32) (param $e1 i32) (param $e2 i32) (param $e3 i32) (param $e4 i32)
    (param $A i32) (param $B i32) (result i32)
    (local $j i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $l0 i32) (local $l1 i32) (local $l2 i32) (local $l3 i32)
    (local $z0 i32) (local $z1 i32) (local $z2 i32) (local $z3 i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $a0 f64) (local $a1 f64) (local $a2 f64) (local $a3 f64)
    (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $safe i32) (local $lim i32) (local $start i32)
    (local $po0 i32) (local $po1 i32) (local $po2 i32) (local $po3 i32)
    (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (v128.store (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=16 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=32 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=48 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=64 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=80 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=96 (local.get $B) (v128.const i64x2 0 0))
    (v128.store offset=112 (local.get $B) (v128.const i64x2 0 0))
    (local.set $p0 (local.get $e0))
    (local.set $p1 (local.get $e1))
    (local.set $p2 (local.get $e2))
    (local.set $p3 (local.get $e3))
    (local.set $i1 (local.get $laneLen))
    (local.set $i2 (i32.shl (local.get $laneLen) (i32.const 1)))
    (local.set $i3 (i32.mul (local.get $laneLen) (i32.const 3)))
    ;; The four lanes side by side while all have accesses: their base→add→store
    ;; chains overlap. A lane step reads at most 3 bytes outside the rare 7-byte
    ;; deltas, so for `safe` steps no lane can pass its stream's end and the loop
    ;; runs unchecked; the last few steps, and the 7-byte deltas, go through $lane,
    ;; which checks each.
    (block $out
      (loop $L
        (br_if $out (i32.ge_s (local.get $j) (local.get $both)))
        (local.set $safe (call $min
          (call $min (i32.sub (local.get $e1) (local.get $p0)) (i32.sub (local.get $e2) (local.get $p1)))
          (call $min (i32.sub (local.get $e3) (local.get $p2)) (i32.sub (local.get $e4) (local.get $p3)))))
        (local.set $lim (call $min (local.get $both) (i32.add (local.get $j) (i32.div_s (local.get $safe) (i32.const 3)))))
        (local.set $start (local.get $j))
        ;; Where lane k's op bytes and addresses are at access j, stepped in the loop.
        (local.set $po0 (i32.add (local.get $opsAt) (local.get $j)))
        (local.set $po1 (i32.add (local.get $po0) (local.get $i1)))
        (local.set $po2 (i32.add (local.get $po0) (local.get $i2)))
        (local.set $po3 (i32.add (local.get $po0) (local.get $i3)))
        (local.set $pa0 (i32.add (local.get $A) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $pa1 (i32.add (local.get $pa0) (i32.shl (local.get $i1) (i32.const 3))))
        (local.set $pa2 (i32.add (local.get $pa0) (i32.shl (local.get $i2) (i32.const 3))))
        (local.set $pa3 (i32.add (local.get $pa0) (i32.shl (local.get $i3) (i32.const 3))))
        (block $slow
          (loop $U
            (br_if $slow (i32.ge_s (local.get $j) (local.get $lim)))
            (local.set $o0 (i32.load8_u (local.get $po0)))
            (local.set $o1 (i32.load8_u (local.get $po1)))
            (local.set $o2 (i32.load8_u (local.get $po2)))
            (local.set $o3 (i32.load8_u (local.get $po3)))
            (br_if $slow (i32.or
              (i32.or (i32.ge_u (local.get $o0) (i32.const 0xc0)) (i32.ge_u (local.get $o1) (i32.const 0xc0)))
              (i32.or (i32.ge_u (local.get $o2) (i32.const 0xc0)) (i32.ge_u (local.get $o3) (i32.const 0xc0)))))
            (local.set $l0 (i32.add (i32.shr_u (local.get $o0) (i32.const 6)) (i32.const 1)))
            (local.set $l1 (i32.add (i32.shr_u (local.get $o1) (i32.const 6)) (i32.const 1)))
            (local.set $l2 (i32.add (i32.shr_u (local.get $o2) (i32.const 6)) (i32.const 1)))
            (local.set $l3 (i32.add (i32.shr_u (local.get $o3) (i32.const 6)) (i32.const 1)))
            ;; Read 4 bytes whatever the length (the payload is padded), then mask.
            (local.set $z0 (i32.and (i32.load (local.get $p0))
              (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $l0) (i32.const 3))) (i32.const 1))))
            (local.set $z1 (i32.and (i32.load (local.get $p1))
              (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $l1) (i32.const 3))) (i32.const 1))))
            (local.set $z2 (i32.and (i32.load (local.get $p2))
              (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $l2) (i32.const 3))) (i32.const 1))))
            (local.set $z3 (i32.and (i32.load (local.get $p3))
              (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $l3) (i32.const 3))) (i32.const 1))))
            (local.set $p0 (i32.add (local.get $p0) (local.get $l0)))
            (local.set $p1 (i32.add (local.get $p1) (local.get $l1)))
            (local.set $p2 (i32.add (local.get $p2) (local.get $l2)))
            (local.set $p3 (i32.add (local.get $p3) (local.get $l3)))
            ;; Lane k's base slot (o >> 4) & 3 is at $B + 32k + 8·slot: the 32k is the memarg offset.
            (local.set $s0 (i32.add (local.get $B) (i32.and (i32.shr_u (local.get $o0) (i32.const 1)) (i32.const 24))))
            (local.set $s1 (i32.add (local.get $B) (i32.and (i32.shr_u (local.get $o1) (i32.const 1)) (i32.const 24))))
            (local.set $s2 (i32.add (local.get $B) (i32.and (i32.shr_u (local.get $o2) (i32.const 1)) (i32.const 24))))
            (local.set $s3 (i32.add (local.get $B) (i32.and (i32.shr_u (local.get $o3) (i32.const 1)) (i32.const 24))))
            (local.set $a0 (f64.add (f64.load offset=0 (local.get $s0)) (f64.convert_i32_s (i32.xor (i32.shr_u (local.get $z0) (i32.const 1))
              (i32.sub (i32.const 0) (i32.and (local.get $z0) (i32.const 1)))))))
            (local.set $a1 (f64.add (f64.load offset=32 (local.get $s1)) (f64.convert_i32_s (i32.xor (i32.shr_u (local.get $z1) (i32.const 1))
              (i32.sub (i32.const 0) (i32.and (local.get $z1) (i32.const 1)))))))
            (local.set $a2 (f64.add (f64.load offset=64 (local.get $s2)) (f64.convert_i32_s (i32.xor (i32.shr_u (local.get $z2) (i32.const 1))
              (i32.sub (i32.const 0) (i32.and (local.get $z2) (i32.const 1)))))))
            (local.set $a3 (f64.add (f64.load offset=96 (local.get $s3)) (f64.convert_i32_s (i32.xor (i32.shr_u (local.get $z3) (i32.const 1))
              (i32.sub (i32.const 0) (i32.and (local.get $z3) (i32.const 1)))))))
            (f64.store offset=0 (local.get $s0) (local.get $a0))
            (f64.store offset=32 (local.get $s1) (local.get $a1))
            (f64.store offset=64 (local.get $s2) (local.get $a2))
            (f64.store offset=96 (local.get $s3) (local.get $a3))
            (f64.store (local.get $pa0) (local.get $a0))
            (f64.store (local.get $pa1) (local.get $a1))
            (f64.store (local.get $pa2) (local.get $a2))
            (f64.store (local.get $pa3) (local.get $a3))
            (local.set $po0 (i32.add (local.get $po0) (i32.const 1)))
            (local.set $po1 (i32.add (local.get $po1) (i32.const 1)))
            (local.set $po2 (i32.add (local.get $po2) (i32.const 1)))
            (local.set $po3 (i32.add (local.get $po3) (i32.const 1)))
            (local.set $pa0 (i32.add (local.get $pa0) (i32.const 8)))
            (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
            (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
            (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $U)))
        (br_if $out (i32.ge_s (local.get $j) (local.get $both)))
        ;; Unchecked steps used up after some progress: measure the room again. A
        ;; 7-byte delta, or no room for an unchecked step: one checked step.
        (br_if $L (i32.and (i32.ge_s (local.get $j) (local.get $lim)) (i32.gt_s (local.get $j) (local.get $start))))
        (local.set $p0 (call $lane (local.get $opsAt) (local.get $j) (i32.add (local.get $j) (i32.const 1))
          (local.get $p0) (local.get $e1) (local.get $B) (local.get $A)))
        (local.set $p1 (call $lane (local.get $opsAt) (i32.add (local.get $i1) (local.get $j))
          (i32.add (i32.add (local.get $i1) (local.get $j)) (i32.const 1))
          (local.get $p1) (local.get $e2) (i32.add (local.get $B) (i32.const 32)) (local.get $A)))
        (local.set $p2 (call $lane (local.get $opsAt) (i32.add (local.get $i2) (local.get $j))
          (i32.add (i32.add (local.get $i2) (local.get $j)) (i32.const 1))
          (local.get $p2) (local.get $e3) (i32.add (local.get $B) (i32.const 64)) (local.get $A)))
        (local.set $p3 (call $lane (local.get $opsAt) (i32.add (local.get $i3) (local.get $j))
          (i32.add (i32.add (local.get $i3) (local.get $j)) (i32.const 1))
          (local.get $p3) (local.get $e4) (i32.add (local.get $B) (i32.const 96)) (local.get $A)))
        (if (i32.lt_s (i32.or (i32.or (local.get $p0) (local.get $p1)) (i32.or (local.get $p2) (local.get $p3)))
              (i32.const 0))
          (then (return (i32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $L)))
    ;; The rest of each lane (a short last chunk), one lane at a time.
    (local.set $p0 (call $lane (local.get $opsAt) (call $min (local.get $n) (local.get $both))
      (call $min (local.get $n) (local.get $i1)) (local.get $p0) (local.get $e1) (local.get $B) (local.get $A)))
    (local.set $p1 (call $lane (local.get $opsAt) (call $min (local.get $n) (i32.add (local.get $i1) (local.get $both)))
      (call $min (local.get $n) (local.get $i2)) (local.get $p1) (local.get $e2)
      (i32.add (local.get $B) (i32.const 32)) (local.get $A)))
    (local.set $p2 (call $lane (local.get $opsAt) (call $min (local.get $n) (i32.add (local.get $i2) (local.get $both)))
      (call $min (local.get $n) (local.get $i3)) (local.get $p2) (local.get $e3)
      (i32.add (local.get $B) (i32.const 64)) (local.get $A)))
    (local.set $p3 (call $lane (local.get $opsAt) (call $min (local.get $n) (i32.add (local.get $i3) (local.get $both)))
      (call $min (local.get $n) (i32.shl (local.get $laneLen) (i32.const 2))) (local.get $p3) (local.get $e4)
      (i32.add (local.get $B) (i32.const 96)) (local.get $A)))
    (i32.and
      (i32.and (i32.eq (local.get $p0) (local.get $e1)) (i32.eq (local.get $p1) (local.get $e2)))
      (i32.and (i32.eq (local.get $p2) (local.get $e3)) (i32.eq (local.get $p3) (local.get $e4)))))

  (func $min (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))
)
