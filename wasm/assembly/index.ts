// Entry point of the core's WebAssembly module. Exports numbers and memory
// only (built with --runtime stub, no bindings, no managed allocation).
export { crc32c, crc32cScalar } from "./crc";
export { heapTop } from "./alloc";
export { codecReserve, codecSeal, codecHeader, codecCheck, codecCrc, codecCrcUpdate } from "./codec";
export {
  qPush, qPop, qRemove, qTouch, qExpire, qOut, qHas, qSize, qServiceOf, qDeadlineOf,
  qApply, qOps, qState,
} from "./queue";
export {
  envReserve, envBytes, envLengths, envOffsets, envResult, envBytesCap, envFramesCap,
  envIndex, envMdp, envPpp, envSeed, envIntern, envFind, envScratch, envInternScratch,
  envFindScratch, envRelease, envKey, envInterned,
} from "./envelope";
