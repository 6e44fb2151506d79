package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/teebench/teebench/internal/datafile"
)

// kubeClient is a minimal Kubernetes REST client: enough to list pods and
// read their logs with a bearer token or a client certificate.
type kubeClient struct {
	server    string
	token     string
	namespace string // the kubeconfig context's or the service account's
	http      *http.Client
}

// kubeconfig is the part of a kubeconfig file collect understands.
type kubeconfig struct {
	CurrentContext string `json:"current-context"`
	Contexts       []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster   string `json:"cluster"`
			User      string `json:"user"`
			Namespace string `json:"namespace"`
		} `json:"context"`
	} `json:"contexts"`
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority"`
			CertificateAuthorityData []byte `json:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			Token                 string          `json:"token"`
			TokenFile             string          `json:"tokenFile"`
			ClientCertificate     string          `json:"client-certificate"`
			ClientCertificateData []byte          `json:"client-certificate-data"`
			ClientKey             string          `json:"client-key"`
			ClientKeyData         []byte          `json:"client-key-data"`
			Exec                  json.RawMessage `json:"exec"`
			AuthProvider          json.RawMessage `json:"auth-provider"`
		} `json:"user"`
	} `json:"users"`
}

// newKubeClient connects as kubectl would: the given kubeconfig file, else
// $KUBECONFIG (its first file), else the in-cluster service account when
// running in a pod, else ~/.kube/config.
func newKubeClient(path, kubeContext string) (*kubeClient, error) {
	if path == "" {
		path = strings.Split(os.Getenv("KUBECONFIG"), string(os.PathListSeparator))[0]
	}
	if path == "" && os.Getenv("KUBERNETES_SERVICE_HOST") != "" && kubeContext == "" {
		return inClusterClient()
	}
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("no kubeconfig: %w", err)
		}
		path = filepath.Join(home, ".kube", "config")
	}
	kc, err := datafile.Read[kubeconfig](path, func(b []byte, v any) error { return yaml.Unmarshal(b, v) })
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	rel := func(p string) string { // kubeconfig paths are relative to the file
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(path), p)
	}
	name := kubeContext
	if name == "" {
		name = kc.CurrentContext
	}
	var cl *kubeClient
	for _, c := range kc.Contexts {
		if c.Name != name {
			continue
		}
		cl = &kubeClient{namespace: c.Context.Namespace}
		tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
		found := false
		for _, k := range kc.Clusters {
			if k.Name != c.Context.Cluster {
				continue
			}
			found = true
			cl.server = strings.TrimRight(k.Cluster.Server, "/")
			tlsConf.InsecureSkipVerify = k.Cluster.InsecureSkipTLSVerify
			ca := k.Cluster.CertificateAuthorityData
			if k.Cluster.CertificateAuthority != "" {
				if ca, err = os.ReadFile(rel(k.Cluster.CertificateAuthority)); err != nil {
					return nil, fmt.Errorf("kubeconfig cluster %s: %w", k.Name, err)
				}
			}
			if len(ca) > 0 {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(ca) {
					return nil, fmt.Errorf("kubeconfig cluster %s: no PEM certificate in its certificate authority", k.Name)
				}
				tlsConf.RootCAs = pool
			}
		}
		if !found || cl.server == "" {
			return nil, fmt.Errorf("kubeconfig %s: context %s: cluster %q not found or has no server", path, name, c.Context.Cluster)
		}
		for _, u := range kc.Users {
			if u.Name != c.Context.User {
				continue
			}
			switch {
			case len(u.User.Exec) > 0 && string(u.User.Exec) != "null", len(u.User.AuthProvider) > 0 && string(u.User.AuthProvider) != "null":
				return nil, fmt.Errorf("kubeconfig user %s: exec and auth-provider credentials are not supported; save the pod logs with kubectl and use collect --logs", u.Name)
			case u.User.Token != "":
				cl.token = u.User.Token
			case u.User.TokenFile != "":
				t, err := os.ReadFile(rel(u.User.TokenFile))
				if err != nil {
					return nil, fmt.Errorf("kubeconfig user %s: %w", u.Name, err)
				}
				cl.token = strings.TrimSpace(string(t))
			}
			cert, key := u.User.ClientCertificateData, u.User.ClientKeyData
			if u.User.ClientCertificate != "" {
				if cert, err = os.ReadFile(rel(u.User.ClientCertificate)); err != nil {
					return nil, fmt.Errorf("kubeconfig user %s: %w", u.Name, err)
				}
			}
			if u.User.ClientKey != "" {
				if key, err = os.ReadFile(rel(u.User.ClientKey)); err != nil {
					return nil, fmt.Errorf("kubeconfig user %s: %w", u.Name, err)
				}
			}
			if len(cert) > 0 {
				pair, err := tls.X509KeyPair(cert, key)
				if err != nil {
					return nil, fmt.Errorf("kubeconfig user %s: client certificate: %w", u.Name, err)
				}
				tlsConf.Certificates = []tls.Certificate{pair}
			}
		}
		cl.http = &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment}}
	}
	if cl == nil {
		return nil, fmt.Errorf("kubeconfig %s: context %q not found", path, name)
	}
	return cl, nil
}

// inClusterClient uses the pod's service account.
func inClusterClient() (*kubeClient, error) {
	const dir = "/var/run/secrets/kubernetes.io/serviceaccount"
	token, err := os.ReadFile(dir + "/token")
	if err != nil {
		return nil, fmt.Errorf("in-cluster service account: %w", err)
	}
	ca, err := os.ReadFile(dir + "/ca.crt")
	if err != nil {
		return nil, fmt.Errorf("in-cluster service account: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("in-cluster service account: no PEM certificate in %s/ca.crt", dir)
	}
	ns, _ := os.ReadFile(dir + "/namespace") // absent: the caller's -n decides
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return &kubeClient{
		server:    "https://" + host + ":" + port,
		token:     strings.TrimSpace(string(token)),
		namespace: strings.TrimSpace(string(ns)),
		http:      &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
	}, nil
}

// get fetches an API path and returns the body; a non-2xx status is an
// error carrying the API's message.
func (c *kubeClient) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := c.server + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		var st struct{ Message string }
		if json.Unmarshal(body, &st) == nil && st.Message != "" {
			return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, st.Message)
		}
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, nil
}

// pods lists the pods of a namespace that match a label selector.
func (c *kubeClient) pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	body, err := c.get(ctx, "/api/v1/namespaces/"+url.PathEscape(ns)+"/pods", url.Values{"labelSelector": {selector}})
	if err != nil {
		return nil, err
	}
	var list corev1.PodList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("pod list of %s: %w", ns, err)
	}
	return list.Items, nil
}

// podLog reads the whole log of one container of a pod.
func (c *kubeClient) podLog(ctx context.Context, ns, pod, ctr string) ([]byte, error) {
	return c.get(ctx, "/api/v1/namespaces/"+url.PathEscape(ns)+"/pods/"+url.PathEscape(pod)+"/log", url.Values{"container": {ctr}})
}
