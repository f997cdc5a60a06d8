package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/analyze/preflight"
	"github.com/cutover-dev/cutover/ingest"
	"github.com/cutover-dev/cutover/ingest/truststore"
)

// trustStoreFlags are the preflight flags that select the ALB trust store,
// its CRLs and the listener's IgnoreClientCertificateExpiry setting.
type trustStoreFlags struct {
	bundle       string
	crls         []string
	trustStore   string
	listener     string
	ignoreExpiry bool
}

func (f *trustStoreFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.bundle, "trust-store-bundle", "",
		"PEM CA bundle of the ALB's trust store, as a local path or s3://bucket/key")
	cmd.Flags().StringArrayVar(&f.crls, "crl", nil,
		"CRL, PEM or DER, that the trust store contains, as a local path or s3://bucket/key; repeat for each CRL")
	cmd.Flags().StringVar(&f.trustStore, "trust-store", "",
		"name or ARN of the ALB trust store to read the CA bundle and revocation files from with ELBv2")
	cmd.Flags().StringVar(&f.listener, "listener", "",
		"ARN of the ALB listener in mutual TLS verify mode whose trust store and IgnoreClientCertificateExpiry to use")
	cmd.Flags().BoolVar(&f.ignoreExpiry, "ignore-client-certificate-expiry", false,
		"predict for a listener with IgnoreClientCertificateExpiry on, which accepts expired leaf certificates; overrides the setting that --listener reads")
}

// checkSource returns a usage error unless exactly one of
// --trust-store-bundle, --trust-store and --listener is set, and --listener
// is an ARN. The hint for several of them keeps the first one given, with
// its value.
func (f *trustStoreFlags) checkSource() error {
	var set []string
	var hint string
	for _, flag := range []struct{ name, value string }{
		{"--trust-store-bundle", f.bundle}, {"--trust-store", f.trustStore}, {"--listener", f.listener},
	} {
		if flag.value == "" {
			continue
		}
		if hint == "" {
			hint = "cutover preflight " + flag.name + " " + shellWord(flag.value)
		}
		set = append(set, flag.name)
	}
	switch len(set) {
	case 1:
		if f.listener != "" && !truststore.IsARN(f.listener) {
			return newUsageError("cutover preflight --listener arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID",
				"invalid --listener %q: expected the listener's ARN, which starts with arn:", f.listener)
		}
		return nil
	case 0:
		return newUsageError("cutover preflight --trust-store-bundle ca-bundle.pem",
			"the trust store is missing: give --trust-store-bundle FILE, --trust-store NAME or --listener ARN")
	default:
		names := strings.Join(set[:len(set)-1], ", ") + " and " + set[len(set)-1]
		return newUsageError(hint,
			"%s cannot be used together: give exactly one of --trust-store-bundle, --trust-store and --listener", names)
	}
}

// loadedTrustStore is the trust store, CRLs and listener setting that a
// prediction uses.
type loadedTrustStore struct {
	trustStore   *preflight.TrustStore
	caCount      int
	crls         []*x509.RevocationList
	ignoreExpiry bool
	// source names where the CA bundle came from: "file PATH", an S3 URI,
	// a trust store ARN, or a trust store ARN and the listener that uses it.
	source string
}

// load reads the trust store that the flags select, and every CRL.
//
// A bundle or CRL from a local file or S3 that does not parse is a usage
// error, as a wrong path is. AWS errors, such as a missing object or trust
// store or denied access, exit with code 1. So does a bundle or revocation
// file of an ELBv2 trust store that does not parse, because the command line
// cannot fix it.
func (f *trustStoreFlags) load(ctx context.Context, cmd *cobra.Command, g *globals) (loadedTrustStore, error) {
	clients := &awsClients{endpointURL: g.endpointURL}
	loaded := loadedTrustStore{ignoreExpiry: f.ignoreExpiry}

	trustStoreID := f.trustStore
	if f.listener != "" {
		elbClient, err := clients.elbv2(ctx)
		if err != nil {
			return loadedTrustStore{}, err
		}
		mtls, err := truststore.DescribeMutualAuthentication(ctx, elbClient, f.listener)
		if err != nil {
			return loadedTrustStore{}, err
		}
		trustStoreID = mtls.TrustStoreARN
		loaded.ignoreExpiry = mtls.IgnoreClientCertificateExpiry
		if cmd.Flags().Changed("ignore-client-certificate-expiry") {
			loaded.ignoreExpiry = f.ignoreExpiry
			g.log.Info("--ignore-client-certificate-expiry overrides the listener's IgnoreClientCertificateExpiry",
				"listener", f.listener, "listener_setting", mtls.IgnoreClientCertificateExpiry, "used", f.ignoreExpiry)
		}
	}

	var crls []*x509.RevocationList
	if trustStoreID != "" {
		var err error
		loaded.trustStore, loaded.caCount, crls, loaded.source, err = loadELBv2TrustStore(ctx, clients, g, trustStoreID)
		if err != nil {
			return loadedTrustStore{}, err
		}
		if f.listener != "" {
			loaded.source += " of listener " + f.listener
		}
	} else {
		data, source, err := readInput(ctx, clients, "--trust-store-bundle", f.bundle, "cutover preflight --trust-store-bundle ./alb-ca-bundle.pem")
		if err != nil {
			return loadedTrustStore{}, err
		}
		loaded.trustStore, loaded.caCount, err = loadTrustStore(data, f.bundle)
		if err != nil {
			return loadedTrustStore{}, &exitCodeError{code: exitUsage, err: err}
		}
		loaded.source = source
	}

	fileCRLs, err := loadCRLs(ctx, clients, f.crls)
	if err != nil {
		return loadedTrustStore{}, err
	}
	loaded.crls = append(fileCRLs, crls...)
	return loaded, nil
}

// loadELBv2TrustStore downloads and parses an ELBv2 trust store's CA bundle
// and revocation files, and returns the trust store's ARN as the source.
func loadELBv2TrustStore(ctx context.Context, clients *awsClients, g *globals, nameOrARN string) (*preflight.TrustStore, int, []*x509.RevocationList, string, error) {
	elbClient, err := clients.elbv2(ctx)
	if err != nil {
		return nil, 0, nil, "", err
	}
	httpClient, err := clients.http(ctx)
	if err != nil {
		return nil, 0, nil, "", err
	}
	fetched, err := truststore.FetchTrustStore(ctx, elbClient, httpClient, nameOrARN)
	if err != nil {
		return nil, 0, nil, "", err
	}
	if fetched.Status != "ACTIVE" {
		g.log.Warn("the trust store is not ACTIVE, so its content may still change", "trust_store", fetched.ARN, "status", fetched.Status)
	}
	g.log.Debug("trust store downloaded", "trust_store", fetched.ARN, "bundle_bytes", len(fetched.CACertificatesBundle),
		"revocation_files", len(fetched.Revocations))

	label := "trust store " + fetched.ARN
	trustStore, caCount, err := loadTrustStore(fetched.CACertificatesBundle, label)
	if err != nil {
		return nil, 0, nil, "", err
	}
	var crls []*x509.RevocationList
	for _, revocation := range fetched.Revocations {
		crl, err := preflight.ParseCRL(revocation.Content)
		if err != nil {
			return nil, 0, nil, "", fmt.Errorf("revocation ID %d of %s: %w", revocation.ID, label, err)
		}
		crls = append(crls, crl)
	}
	return trustStore, caCount, crls, fetched.ARN, nil
}

// readInput reads a flag's local file or S3 object and returns its content
// and a source description. A local file that cannot be read is a usage
// error with hint, and an S3 error is not.
func readInput(ctx context.Context, clients *awsClients, flag, location, hint string) ([]byte, string, error) {
	if !truststore.IsS3URI(location) {
		data, err := os.ReadFile(location)
		if err != nil {
			// A PathError repeats the path, which the message already names.
			var pathErr *fs.PathError
			if errors.As(err, &pathErr) {
				err = pathErr.Err
			}
			return nil, "", newUsageError(hint, "cannot read %s file %s: %v", flag, location, err)
		}
		return data, "file " + location, nil
	}

	s3Client, err := clients.s3(ctx)
	if err != nil {
		return nil, "", err
	}
	data, err := truststore.FetchS3Object(ctx, s3Client, location)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", flag, err)
	}
	return data, location, nil
}

// loadTrustStore parses a CA bundle. name is the file, S3 URI or trust
// store that errors name. Any unusable part of the bundle is an error that
// names its line, so that the trust store is never predicted from part of a
// bundle.
func loadTrustStore(data []byte, name string) (*preflight.TrustStore, int, error) {
	cas, problems := preflight.ParseBundle(data)
	if len(problems) > 0 {
		var lines []string
		for _, p := range problems {
			lines = append(lines, fmt.Sprintf("%s: %s", name, p))
		}
		return nil, 0, fmt.Errorf("invalid trust store bundle, fix or remove these parts:\n  %s", strings.Join(lines, "\n  "))
	}
	if len(cas) == 0 {
		return nil, 0, fmt.Errorf("%s: the trust store bundle contains no CERTIFICATE block", name)
	}
	trustStore, err := preflight.NewTrustStore(cas)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	return trustStore, len(cas), nil
}

// loadCRLs reads and parses the --crl files and S3 objects. A CRL that does
// not parse is a usage error.
func loadCRLs(ctx context.Context, clients *awsClients, locations []string) ([]*x509.RevocationList, error) {
	var crls []*x509.RevocationList
	for _, location := range locations {
		data, _, err := readInput(ctx, clients, "--crl", location,
			"cutover preflight --trust-store-bundle ./alb-ca-bundle.pem --crl ./alb-crl-1.pem")
		if err != nil {
			return nil, err
		}
		crl, err := preflight.ParseCRL(data)
		if err != nil {
			return nil, &exitCodeError{code: exitUsage, err: fmt.Errorf("invalid --crl %s: %w", location, err)}
		}
		crls = append(crls, crl)
	}
	return crls, nil
}

// shellWord returns s as one word of a POSIX shell command line, in single
// quotes unless it contains only characters that need none.
func shellWord(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// awsClients builds the AWS configuration and clients on first use, so a
// run with local files only never loads AWS credentials.
type awsClients struct {
	endpointURL string

	cfg       *aws.Config
	elbClient *elbv2.Client
	s3Client  *s3.Client
}

func (c *awsClients) config(ctx context.Context) (aws.Config, error) {
	if c.cfg == nil {
		cfg, err := ingest.LoadAWSConfig(ctx, c.endpointURL)
		if err != nil {
			return aws.Config{}, err
		}
		c.cfg = &cfg
	}
	return *c.cfg, nil
}

func (c *awsClients) elbv2(ctx context.Context) (*elbv2.Client, error) {
	if c.elbClient == nil {
		cfg, err := c.config(ctx)
		if err != nil {
			return nil, err
		}
		c.elbClient = elbv2.NewFromConfig(cfg, func(o *elbv2.Options) {
			if c.endpointURL != "" {
				o.BaseEndpoint = aws.String(c.endpointURL)
			}
		})
	}
	return c.elbClient, nil
}

func (c *awsClients) s3(ctx context.Context) (*s3.Client, error) {
	if c.s3Client == nil {
		cfg, err := c.config(ctx)
		if err != nil {
			return nil, err
		}
		c.s3Client = ingest.NewS3Client(cfg, c.endpointURL)
	}
	return c.s3Client, nil
}

// http returns the configuration's HTTP client for the downloads of
// presigned URLs, which carry their own signature.
func (c *awsClients) http(ctx context.Context) (truststore.HTTPClient, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	return cfg.HTTPClient, nil
}
