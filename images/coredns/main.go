// CoreDNS for the kind tier, with only the plugins the Corefile of kubeadm's CoreDNS add-on uses (plus log and
// hosts): CoreDNS's documented way to choose plugins at compile time without its code generator. Built by
// hack/kind/build-addons.sh from the Go module proxy; the image is registry.k8s.io/coredns/coredns:<kubeadm's tag>.
package main

import (
	_ "github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	"github.com/coredns/coredns/coremain"
)

func main() {
	coremain.Run()
}
