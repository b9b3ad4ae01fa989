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
	// PrivateCaShortLivedMonthlyUSD is AWS Private CA's monthly fee for one CA in short-lived
	// certificate mode (us-east-1 list price); PrivateCaShortLivedCertUSD is the price of one
	// short-lived certificate (the first 1,000 a month; cheaper above).
	PrivateCaShortLivedMonthlyUSD = 50.0
	PrivateCaShortLivedCertUSD    = 0.058
)
