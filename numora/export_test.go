package numora

import "encoding/json"

// decodeResult reads a result body as the client does.
func decodeResult(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, wireFor(&r)); err != nil {
		return nil, err
	}
	return &r, nil
}

// DecodeResult exposes the client's result decoding to the external tests.
var DecodeResult = decodeResult
