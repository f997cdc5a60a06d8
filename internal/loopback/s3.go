package loopback

// StartS3 starts a server on a free port of 127.0.0.1 with an empty
// in-memory S3. It is [Start] with default options, so the server also
// serves the other services.
func StartS3() (*Server, error) {
	return Start(Options{})
}
