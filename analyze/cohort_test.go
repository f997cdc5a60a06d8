package analyze

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDescribeCohort(t *testing.T) {
	tests := []struct {
		name    string
		clients []Client
		want    string
	}{
		{"no clients", nil, "no client"},
		{
			name: "common organization",
			clients: []Client{
				certClient("CN=edi-1,OU=EDI,O=Northwind,C=NL", "1"),
				certClient("CN=edi-2,OU=EDI,O=Northwind,C=NL", "2"),
				certClient("CN=edi-3,OU=Batch,O=Northwind,C=NL", "3"),
			},
			want: `3 clients with subjects ending "O=Northwind,C=NL"`,
		},
		{
			name: "common organizational unit and organization",
			clients: []Client{
				certClient("CN=edi-1,OU=EDI,O=Northwind,C=NL", "1"),
				certClient("CN=edi-2,OU=EDI,O=Northwind,C=NL", "2"),
			},
			want: `2 clients with subjects ending "OU=EDI,O=Northwind,C=NL"`,
		},
		{
			name: "escaped comma in the organization",
			clients: []Client{
				certClient(`CN=pos-1,O=Fabrikam\, Inc.,C=US`, "A1"),
				certClient(`CN=pos-2,O=Fabrikam\, Inc.,C=US`, "A2"),
			},
			want: `2 clients with subjects ending "O=Fabrikam\, Inc.,C=US"`,
		},
		{
			// Split at every comma, the first subject would seem to end in
			// O=Evil,C=US, but it has no O= and its OU is "x,O=Evil".
			name: "escaped comma hides no organization",
			clients: []Client{
				certClient(`CN=a,OU=x\,O=Evil,C=US`, "1"),
				certClient("CN=b,O=Evil,C=US", "2"),
			},
			want: `2 clients: CN=a,OU=x\,O=Evil,C=US (serial 1); CN=b,O=Evil,C=US (serial 2)`,
		},
		{
			name: "common country only",
			clients: []Client{
				certClient("CN=a,O=Contoso,C=DE", "1"),
				certClient("CN=b,O=Northwind,C=DE", "2"),
			},
			want: "2 clients: CN=a,O=Contoso,C=DE (serial 1); CN=b,O=Northwind,C=DE (serial 2)",
		},
		{
			name: "more than three without common organization",
			clients: []Client{
				certClient("CN=a,O=Contoso,C=DE", "1"),
				certClient("CN=b,O=Northwind,C=NL", "2"),
				certClient("CN=c,O=Fabrikam,C=US", "3"),
				certClient("CN=d,O=Tailspin,C=US", "4"),
				certClient("CN=e,O=Litware,C=US", "5"),
			},
			want: "5 clients, such as CN=a,O=Contoso,C=DE (serial 1); CN=b,O=Northwind,C=NL (serial 2); CN=c,O=Fabrikam,C=US (serial 3)",
		},
		{
			name:    "one client",
			clients: []Client{certClient("CN=edi-1,O=Northwind,C=NL", "1F")},
			want:    "1 client: CN=edi-1,O=Northwind,C=NL (serial 1F)",
		},
		{
			name:    "client without serial",
			clients: []Client{{Key: "CN=edi-1,O=Northwind,C=NL / ", Subject: "CN=edi-1,O=Northwind,C=NL"}},
			want:    "1 client: CN=edi-1,O=Northwind,C=NL",
		},
		{
			name:    "IP-only clients",
			clients: []Client{ipClient("203.0.113.7"), ipClient("2001:db8::7")},
			want:    "2 clients: IP 203.0.113.7; IP 2001:db8::7",
		},
		{
			name: "IP-only client among certificates",
			clients: []Client{
				certClient("CN=edi-1,O=Northwind,C=NL", "1"),
				ipClient("203.0.113.7"),
				certClient("CN=edi-2,O=Northwind,C=NL", "2"),
			},
			want: "3 clients: CN=edi-1,O=Northwind,C=NL (serial 1); IP 203.0.113.7; CN=edi-2,O=Northwind,C=NL (serial 2)",
		},
		{
			name: "same subject, two serials",
			clients: []Client{
				certClient("CN=edi-1,O=Northwind,C=NL", "1"),
				certClient("CN=edi-1,O=Northwind,C=NL", "2"),
			},
			want: `2 clients with subjects ending "CN=edi-1,O=Northwind,C=NL"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, DescribeCohort(tc.clients))
		})
	}
}

func TestSplitRDNs(t *testing.T) {
	assert.Equal(t, []string{"CN=pos-1", `O=Fabrikam\, Inc.`, "C=US"}, splitRDNs(`CN=pos-1,O=Fabrikam\, Inc.,C=US`))
	assert.Equal(t, []string{`CN=a\\`, "O=b"}, splitRDNs(`CN=a\\,O=b`), "an escaped backslash before a comma")
	assert.Equal(t, []string{"CN=a"}, splitRDNs("CN=a"))
}
