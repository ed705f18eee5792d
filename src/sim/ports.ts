// The service ports every simulated node serves: the simulator's defaults (the seed's), or a
// given layout (a rehearsal's twin of a hosts file whose cluster uses other ports).

export interface ServicePorts {
  http_api: number;
  p2p: number;
  admin: number;
}

export const SIM_PORTS: Readonly<ServicePorts> = { http_api: 8765, p2p: 8770, admin: 8001 };
