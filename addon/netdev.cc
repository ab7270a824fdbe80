// linux.netDevices: moves a host network interface into the container's
// network namespace over rtnetlink, as runc 1.3's devChangeNetNamespace does:
// link down, remember its permanent global addresses, move and rename in one
// RTM_NEWLINK (so the new name never clashes on the host), then re-add the
// addresses (the kernel drops them on the move) and bring it up inside.
// Nothing moves it back: when the namespace dies the kernel returns physical
// devices to the initial namespace and destroys virtual ones (config-linux.md).
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "fd.h"

namespace tsrun {
namespace {

// One request: header, fixed part, attributes; NLMSG_ALIGN'd as netlink wants.
class Request {
 public:
  Request(uint16_t type, uint16_t flags, const void* body, size_t len) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = NLM_F_REQUEST | flags;
    Put(&h, sizeof(h));
    Put(body, len);
  }
  void Attr(uint16_t type, const void* data, size_t len) {
    rtattr a{static_cast<unsigned short>(RTA_LENGTH(len)), type};
    Put(&a, sizeof(a));
    Put(data, len);
  }
  void Attr(uint16_t type, const std::string& s) { Attr(type, s.c_str(), s.size() + 1); }
  const nlmsghdr* Header() {
    reinterpret_cast<nlmsghdr*>(buf_.data())->nlmsg_len = buf_.size();
    return reinterpret_cast<nlmsghdr*>(buf_.data());
  }

 private:
  void Put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
    buf_.resize(NLMSG_ALIGN(buf_.size()));
  }
  std::vector<uint8_t> buf_;
};

// An address as the kernel listed it: its fixed part and the attributes that
// make it up again (local, peer/prefix address, broadcast).
struct Address {
  ifaddrmsg msg;
  std::vector<std::pair<uint16_t, std::vector<uint8_t>>> attrs;
};

class Netlink {
 public:
  Netlink(Napi::Env env, int fd, std::string what) : env_(env), fd_(fd), what_(std::move(what)) {
    if (fd_.get() < 0) Fail(errno, "socket");
  }

  // Sends one request and reads replies until its ACK (or the end of a
  // dump); each data message goes to `each`. An error reply throws.
  template <typename F>
  void Call(Request& req, const char* op, F each) {
    const nlmsghdr* h = req.Header();
    if (RetryEintr([&] { return send(fd_.get(), h, h->nlmsg_len, 0); }) < 0) Fail(errno, op);
    std::vector<uint8_t> buf(1 << 16);
    for (;;) {
      ssize_t n = RetryEintr([&] { return recv(fd_.get(), buf.data(), buf.size(), 0); });
      if (n < 0) Fail(errno, op);
      auto* m = reinterpret_cast<nlmsghdr*>(buf.data());
      for (int left = n; NLMSG_OK(m, left); m = NLMSG_NEXT(m, left)) {
        if (m->nlmsg_type == NLMSG_DONE) return;
        if (m->nlmsg_type == NLMSG_ERROR) {
          int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(m))->error;
          if (err != 0) Fail(err, op);
          return;  // the ACK
        }
        each(m);
      }
    }
  }
  void Call(Request& req, const char* op) { Call(req, op, [](const nlmsghdr*) {}); }

  [[noreturn]] void Fail(int err, const char* op) { ThrowErrno(env_, err, op, what_); }

 private:
  Napi::Env env_;
  Fd fd_;
  std::string what_;
};

int RouteSocket() { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

void SetUp(Netlink& nl, int index, bool up) {
  ifinfomsg ifi{};
  ifi.ifi_index = index;
  ifi.ifi_flags = up ? IFF_UP : 0;
  ifi.ifi_change = IFF_UP;
  Request req(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
  nl.Call(req, up ? "link up" : "link down");
}

// RFC 3549 2.3.3.2: only permanent addresses of global scope travel; the
// others belong to the host's context (autoconfigured, link-local, dynamic).
std::vector<Address> GlobalAddresses(Netlink& nl, int index) {
  std::vector<Address> out;
  ifaddrmsg all{};
  Request req(RTM_GETADDR, NLM_F_DUMP, &all, sizeof(all));
  nl.Call(req, "list addresses", [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(m));
    if (static_cast<int>(ifa->ifa_index) != index || ifa->ifa_scope != RT_SCOPE_UNIVERSE) return;
    uint32_t flags = ifa->ifa_flags;
    Address a{*ifa, {}};
    int len = IFA_PAYLOAD(m);
    for (auto* rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      const auto* d = static_cast<const uint8_t*>(RTA_DATA(rta));
      if (rta->rta_type == IFA_FLAGS) memcpy(&flags, d, sizeof(flags));
      if (rta->rta_type == IFA_LOCAL || rta->rta_type == IFA_ADDRESS || rta->rta_type == IFA_BROADCAST) {
        a.attrs.push_back({rta->rta_type, std::vector<uint8_t>(d, d + RTA_PAYLOAD(rta))});
      }
    }
    if (flags & IFA_F_PERMANENT) out.push_back(std::move(a));
  });
  return out;
}

// The link with this index, as its RTM_NEWLINK reply: {index, flags, name};
// index 0 when there is none (ENODEV).
struct Link { int index; unsigned flags; std::string name; };

Link GetLink(Netlink& nl, int index, const std::string& name) {
  Link found{0, 0, ""};
  ifinfomsg ifi{};
  ifi.ifi_index = index;
  Request req(RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
  if (index == 0) req.Attr(IFLA_IFNAME, name);
  try {
    nl.Call(req, "find link", [&](const nlmsghdr* m) {
      const auto* r = static_cast<const ifinfomsg*>(NLMSG_DATA(m));
      found = {r->ifi_index, r->ifi_flags, ""};
      int len = IFLA_PAYLOAD(m);
      for (auto* rta = IFLA_RTA(r); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFLA_IFNAME) found.name = static_cast<const char*>(RTA_DATA(rta));
      }
    });
  } catch (const Napi::Error&) {
    return {0, 0, ""};  // ENODEV
  }
  return found;
}

// The interface's index inside the namespace: the move keeps it unless the
// namespace already uses it, so the name is the fallback. A "%d" template
// has no fixed name: then the index is all there is to go by.
int FindMoved(Netlink& nl, int index, const std::string& name) {
  Link l = GetLink(nl, index, "");
  if (l.index && (l.name == name || name.find('%') != std::string::npos)) return l.index;
  return GetLink(nl, 0, name).index;
}

// A netlink socket inside the namespace of nsFd: the thread enters it only
// for the socket() call (a socket keeps the namespace it was made in), then
// returns, so Node's main thread is back in its own namespace before any JS runs.
int SocketIn(Napi::Env env, int nsFd, const std::string& what) {
  Fd self(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (self.get() < 0) ThrowErrno(env, errno, "open /proc/thread-self/ns/net");
  if (setns(nsFd, CLONE_NEWNET) < 0) ThrowErrno(env, errno, "setns", what);
  int fd = RouteSocket();
  int err = errno;
  if (setns(self.get(), CLONE_NEWNET) < 0) abort();  // a runtime left in the container's netns must not go on
  if (fd < 0) ThrowErrno(env, err, "socket", what);
  return fd;
}

}  // namespace

// moveNetDevice(name, newName, netnsPath): see the file comment. Errors
// name the step and the interface ("link down eth1: Operation not permitted").
Napi::Value MoveNetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string newName = info[1].As<Napi::String>().Utf8Value();
  std::string nsPath = info[2].As<Napi::String>().Utf8Value();

  int index = if_nametoindex(name.c_str());
  if (index == 0) ThrowErrno(env, errno, "find link", name);
  Fd ns(open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.get() < 0) ThrowErrno(env, errno, "open", nsPath);

  Netlink host(env, RouteSocket(), name);
  Netlink inside(env, SocketIn(env, ns.get(), nsPath), newName);
  // config-linux.md: a name taken in the namespace is an error (a "%d"
  // template lets the kernel pick). Found before anything changes: the
  // kernel would only refuse the rename after the move.
  if (newName.find('%') == std::string::npos && GetLink(inside, 0, newName).index != 0) {
    inside.Fail(EEXIST, "rename to");
  }
  // Listed before the link goes down: IPv6 drops its addresses on down
  // unless keep_addr_on_down is set.
  std::vector<Address> addrs = GlobalAddresses(host, index);
  bool wasUp = GetLink(host, index, "").flags & IFF_UP;
  SetUp(host, index, false);
  ifinfomsg ifi{};
  ifi.ifi_index = index;
  Request move(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
  move.Attr(IFLA_IFNAME, newName);
  uint32_t nsFd = ns.get();
  move.Attr(IFLA_NET_NS_FD, &nsFd, sizeof(nsFd));
  try {
    host.Call(move, "move to the container's network namespace");
  } catch (const Napi::Error&) {
    // Still the host's: leave it as it was found.
    if (wasUp) {
      try { SetUp(host, index, true); } catch (const Napi::Error&) {}
    }
    throw;
  }

  int newIndex = FindMoved(inside, index, newName);
  if (newIndex == 0) inside.Fail(ENODEV, "find link");
  for (Address& a : addrs) {
    a.msg.ifa_index = newIndex;
    Request add(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &a.msg, sizeof(a.msg));
    for (const auto& [type, data] : a.attrs) add.Attr(type, data.data(), data.size());
    inside.Call(add, "add address");
  }
  SetUp(inside, newIndex, true);
  return env.Undefined();
}

}  // namespace tsrun
