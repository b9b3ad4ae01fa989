package limits

// Service-to-service calls through ECS Service Connect.
const (
	// ServiceConnectTlsPort is where a called service's Service Connect proxy listens when
	// app.serviceConnect.tls is on: callers reach it there over TLS, while the load balancer
	// keeps reaching the application's own port in plain HTTP. No service may listen on it.
	ServiceConnectTlsPort = 7443
	// ServiceConnectLogPrefix is the stream prefix of the Service Connect proxy's logs in the
	// service's log group.
	ServiceConnectLogPrefix = "service-connect"
	// MaxCaSubjectLength bounds a CA subject's common name and organization (X.509 upper bounds).
	MaxCaSubjectLength = 64
	// MaxCaValidityYears bounds the validity of the Service Connect CA's own certificate.
	MaxCaValidityYears = 30
)
