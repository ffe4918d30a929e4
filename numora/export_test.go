package numora

// DecodeResult exposes the client's result decoding to the external tests.
var DecodeResult = decodeResult
