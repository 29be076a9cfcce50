package egress_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/egress"
)

func TestForbiddenHost(t *testing.T) {
	tests := []struct {
		host      string
		forbidden bool
	}{
		{"169.254.169.254", true},
		{"169.254.0.1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:a9fe:a9fe", true},
		{"fd00:ec2::254", true},
		{"100.100.100.200", true},
		{"metadata.google.internal", true},
		{"Metadata.Google.Internal.", true},
		{"metadata", true},
		{"metadata.goog", true},
		{"instance-data", true},
		{"2852039166", true},
		{"0xa9fea9fe", true},
		{"169.254.43518", true},
		{"acme.freshservice.com", false},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.0.0.5", false},
		{"fd00:ec2::253", false},
		{"metadata.example.com", false},
		{"0x.example.com", false},
	}
	for _, tt := range tests {
		if got := egress.ForbiddenHost(tt.host) != ""; got != tt.forbidden {
			t.Errorf("ForbiddenHost(%q) forbidden = %v, want %v", tt.host, got, tt.forbidden)
		}
	}
}

// TestControlRefusesBeforeConnecting: a dialer with Control never opens a connection to a metadata
// address, however the address was reached (a name that resolves to it, a literal).
func TestControlRefusesBeforeConnecting(t *testing.T) {
	d := &net.Dialer{Timeout: 2 * time.Second, Control: egress.Control}
	for _, addr := range []string{"169.254.169.254:80", "[fe80::1]:80", "[fd00:ec2::254]:80"} {
		_, err := d.DialContext(context.Background(), "tcp", addr)
		if !errors.Is(err, egress.ErrForbidden) {
			t.Errorf("dial %s: %v, want ErrForbidden", addr, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial loopback: %v", err)
	}
	c.Close()
}
