package numoratest

// RotateAPIKey makes key the only API key the server accepts from now on,
// as when a workspace admin rolls the key: the old one is refused with
// 401. APIKey keeps the key the server was made with.
func (s *Server) RotateAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotatedKey = key
}

// acceptedKey is the key authOK accepts.
func (s *Server) acceptedKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rotatedKey != "" {
		return s.rotatedKey
	}
	return s.APIKey
}
