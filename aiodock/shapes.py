"""Typed views of the JSON the daemon answers with (inspect data, lists, stats, events).

Each class is a :class:`~typing.TypedDict`: at run time the values are the plain ``dict``\\ s
the daemon sent, so nothing is copied or converted; a type checker and an editor learn the
key names and value types. Key names are exactly those of the Engine API (``Id``,
``NetworkSettings``, ``cpu_stats``, ...).

All classes are ``total=False``: a key may be missing (older API versions, fields the daemon
leaves out when empty, list entries versus inspect data), so prefer ``.get()`` for keys that
are not always there. Lists and maps that the daemon sends as ``null`` when empty are typed
``... | None``: write ``config.get("Env") or []``.

Where these shapes come from:

- ``Container.attrs`` (after ``get()`` or ``reload()``): :class:`ContainerInspectResponse`;
  ``container.state``, ``.config``, ``.host_config``, ``.network_settings`` and ``.mounts``
  are typed views of its parts.
- ``docker.containers.list(sparse=True)`` entries: :class:`ContainerSummary`.
- ``Image.attrs``: :class:`ImageInspect` (``image.config`` is its :class:`ImageConfig`);
  image list entries: :class:`ImageSummary`.
- ``Network.attrs``: :class:`Network`; ``Volume.attrs``: :class:`Volume`.
- ``await docker.exec.inspect(id)``: :class:`ExecInspectResponse`.
- ``await docker.version()`` / ``info()``: :class:`SystemVersion` / :class:`SystemInfo`.
- ``await container.wait()``: :class:`ContainerWaitResponse`.
- ``container.stats()`` objects: :class:`ContainerStats`; raw ``/events`` objects:
  :class:`EventMessage`.

Use them to annotate your own code, for example
``info = cast(aiodock.shapes.Network, network.attrs)``.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "IPAM",
    "Address",
    "AddressPool",
    "BlkioStatEntry",
    "BlkioStats",
    "BlkioWeightDevice",
    "CPUStats",
    "CPUUsage",
    "Commit",
    "ComponentVersion",
    "ContainerConfig",
    "ContainerHostConfigSummary",
    "ContainerInspectResponse",
    "ContainerNetworkSettingsSummary",
    "ContainerState",
    "ContainerStats",
    "ContainerSummary",
    "ContainerSummaryHealth",
    "ContainerWaitExitError",
    "ContainerWaitResponse",
    "DeviceMapping",
    "EndpointIPAMConfig",
    "EndpointSettings",
    "EventActor",
    "EventMessage",
    "ExecInspectResponse",
    "ExecProcessConfig",
    "GraphDriverData",
    "Health",
    "HealthConfig",
    "HealthcheckResult",
    "HostConfig",
    "IPAMConfig",
    "ImageConfig",
    "ImageInspect",
    "ImageMetadata",
    "ImageRootFS",
    "ImageSummary",
    "IndexInfo",
    "LogConfig",
    "MemoryStats",
    "MountPoint",
    "Network",
    "NetworkConfigReference",
    "NetworkContainer",
    "NetworkSettings",
    "NetworkStats",
    "OCIDescriptor",
    "PeerInfo",
    "PeerNode",
    "PidsStats",
    "PluginsInfo",
    "Port",
    "PortBinding",
    "RegistryServiceConfig",
    "RestartPolicy",
    "Runtime",
    "StorageStats",
    "SwarmInfo",
    "SystemInfo",
    "SystemPlatform",
    "SystemVersion",
    "ThrottleDevice",
    "ThrottlingData",
    "Ulimit",
    "Volume",
    "VolumeUsageData",
]


# --- containers: inspect ----------------------------------------------------------------


class HealthcheckResult(TypedDict, total=False):
    """One run of the health check."""

    Start: str
    End: str
    ExitCode: int
    Output: str


class Health(TypedDict, total=False):
    """``State.Health``: present only for containers with a health check."""

    Status: str
    """``"none"``, ``"starting"``, ``"healthy"`` or ``"unhealthy"``."""
    FailingStreak: int
    Log: list[HealthcheckResult] | None


class ContainerState(TypedDict, total=False):
    """``State`` of the container inspect data."""

    Status: str
    """``"created"``, ``"running"``, ``"paused"``, ``"restarting"``, ``"removing"``,
    ``"exited"`` or ``"dead"``."""
    Running: bool
    Paused: bool
    Restarting: bool
    OOMKilled: bool
    Dead: bool
    Pid: int
    ExitCode: int
    Error: str
    StartedAt: str
    FinishedAt: str
    Health: Health | None


class HealthConfig(TypedDict, total=False):
    """``Config.Healthcheck``; durations in nanoseconds."""

    Test: list[str] | None
    Interval: int
    Timeout: int
    Retries: int
    StartPeriod: int
    StartInterval: int
    """API 1.44: the interval between checks during ``StartPeriod``."""


class ContainerConfig(TypedDict, total=False):
    """``Config`` of the container inspect data: the portable part of the configuration."""

    Hostname: str
    Domainname: str
    User: str
    AttachStdin: bool
    AttachStdout: bool
    AttachStderr: bool
    ExposedPorts: dict[str, dict[str, Any]] | None
    Tty: bool
    OpenStdin: bool
    StdinOnce: bool
    Env: list[str] | None
    Cmd: list[str] | None
    Healthcheck: HealthConfig
    ArgsEscaped: bool | None
    Image: str
    Volumes: dict[str, dict[str, Any]] | None
    WorkingDir: str
    Entrypoint: list[str] | None
    NetworkDisabled: bool | None
    MacAddress: str | None
    OnBuild: list[str] | None
    Labels: dict[str, str] | None
    StopSignal: str | None
    StopTimeout: int | None
    Shell: list[str] | None


class ImageConfig(ContainerConfig, total=False):
    """``Config`` of the image inspect data: the defaults a container of the image gets."""


class PortBinding(TypedDict, total=False):
    """Where a container port is published on the host."""

    HostIp: str
    HostPort: str


class RestartPolicy(TypedDict, total=False):
    """``HostConfig.RestartPolicy``."""

    Name: str
    """``""``, ``"no"``, ``"always"``, ``"unless-stopped"`` or ``"on-failure"``."""
    MaximumRetryCount: int


class LogConfig(TypedDict, total=False):
    """``HostConfig.LogConfig``."""

    Type: str
    Config: dict[str, str] | None


class ThrottleDevice(TypedDict, total=False):
    """A block-device rate limit."""

    Path: str
    Rate: int


class BlkioWeightDevice(TypedDict, total=False):
    """A block-device weight."""

    Path: str
    Weight: int


class DeviceMapping(TypedDict, total=False):
    """A host device made visible in the container."""

    PathOnHost: str
    PathInContainer: str
    CgroupPermissions: str


class Ulimit(TypedDict, total=False):
    """A resource limit of the container's processes."""

    Name: str
    Soft: int
    Hard: int


class HostConfig(TypedDict, total=False):
    """``HostConfig`` of the container inspect data: the non-portable configuration."""

    CpuShares: int
    Memory: int
    CgroupParent: str
    BlkioWeight: int
    BlkioWeightDevice: list[BlkioWeightDevice] | None
    BlkioDeviceReadBps: list[ThrottleDevice] | None
    BlkioDeviceWriteBps: list[ThrottleDevice] | None
    BlkioDeviceReadIOps: list[ThrottleDevice] | None
    BlkioDeviceWriteIOps: list[ThrottleDevice] | None
    CpuPeriod: int
    CpuQuota: int
    CpuRealtimePeriod: int
    CpuRealtimeRuntime: int
    CpusetCpus: str
    CpusetMems: str
    Devices: list[DeviceMapping] | None
    DeviceCgroupRules: list[str] | None
    DeviceRequests: list[dict[str, Any]] | None
    KernelMemory: int
    KernelMemoryTCP: int
    MemoryReservation: int
    MemorySwap: int
    MemorySwappiness: int | None
    NanoCpus: int
    OomKillDisable: bool | None
    Init: bool | None
    PidsLimit: int | None
    Ulimits: list[Ulimit] | None
    CpuCount: int
    CpuPercent: int
    IOMaximumIOps: int
    IOMaximumBandwidth: int
    Binds: list[str] | None
    ContainerIDFile: str
    LogConfig: LogConfig
    NetworkMode: str
    PortBindings: dict[str, list[PortBinding] | None] | None
    RestartPolicy: RestartPolicy
    AutoRemove: bool
    VolumeDriver: str
    VolumesFrom: list[str] | None
    Mounts: list[dict[str, Any]] | None
    """The ``Mount`` objects the container was created with (``Target``, ``Source``,
    ``Type``, ``ReadOnly``, ``BindOptions``, ...)."""
    CapAdd: list[str] | None
    CapDrop: list[str] | None
    CgroupnsMode: str
    Dns: list[str] | None
    DnsOptions: list[str] | None
    DnsSearch: list[str] | None
    ExtraHosts: list[str] | None
    GroupAdd: list[str] | None
    IpcMode: str
    Cgroup: str
    Links: list[str] | None
    OomScoreAdj: int
    PidMode: str
    Privileged: bool
    PublishAllPorts: bool
    ReadonlyRootfs: bool
    SecurityOpt: list[str] | None
    StorageOpt: dict[str, str] | None
    Tmpfs: dict[str, str] | None
    UTSMode: str
    UsernsMode: str
    ShmSize: int
    Sysctls: dict[str, str] | None
    Runtime: str
    ConsoleSize: list[int] | None
    Isolation: str
    MaskedPaths: list[str] | None
    ReadonlyPaths: list[str] | None
    Annotations: dict[str, str] | None
    """API 1.43: passed to the runtime."""


class EndpointIPAMConfig(TypedDict, total=False):
    """Addresses asked for when the container joined a network."""

    IPv4Address: str
    IPv6Address: str
    LinkLocalIPs: list[str] | None


class EndpointSettings(TypedDict, total=False):
    """The container's endpoint on one network (``NetworkSettings.Networks[name]``)."""

    IPAMConfig: EndpointIPAMConfig | None
    Links: list[str] | None
    Aliases: list[str] | None
    NetworkID: str
    EndpointID: str
    Gateway: str
    IPAddress: str
    IPPrefixLen: int
    IPv6Gateway: str
    GlobalIPv6Address: str
    GlobalIPv6PrefixLen: int
    MacAddress: str
    DriverOpts: dict[str, str] | None
    GwPriority: int
    """API 1.48: the endpoint with the highest gives the container its default gateway."""
    DNSNames: list[str] | None
    """API 1.44: the names the container has on this network's DNS."""


class Address(TypedDict, total=False):
    """An address with its prefix length."""

    Addr: str
    PrefixLen: int


class NetworkSettings(TypedDict, total=False):
    """``NetworkSettings`` of the container inspect data. The top-level address fields
    describe the default bridge only; ``Networks`` has every network."""

    Bridge: str
    SandboxID: str
    HairpinMode: bool
    LinkLocalIPv6Address: str
    LinkLocalIPv6PrefixLen: int
    Ports: dict[str, list[PortBinding] | None] | None
    """Published ports: ``{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}``;
    ``None`` for an exposed port that is not published."""
    SandboxKey: str
    SecondaryIPAddresses: list[Address] | None
    SecondaryIPv6Addresses: list[Address] | None
    EndpointID: str
    Gateway: str
    GlobalIPv6Address: str
    GlobalIPv6PrefixLen: int
    IPAddress: str
    IPPrefixLen: int
    IPv6Gateway: str
    MacAddress: str
    Networks: dict[str, EndpointSettings] | None


class MountPoint(TypedDict, total=False):
    """A mount of a container, as inspect and list report it."""

    Type: str
    """``"bind"``, ``"volume"``, ``"tmpfs"``, ``"npipe"``."""
    Name: str
    Source: str
    Destination: str
    Driver: str
    Mode: str
    RW: bool
    Propagation: str


class GraphDriverData(TypedDict, total=False):
    """The storage driver and its data about the object's layers."""

    Name: str
    Data: dict[str, str] | None


class OCIDescriptor(TypedDict, total=False):
    """An OCI content descriptor (API 1.48, daemons with the containerd image store)."""

    mediaType: str
    digest: str
    size: int
    urls: list[str] | None
    annotations: dict[str, str] | None
    data: str | None
    platform: dict[str, Any] | None
    artifactType: str | None


class ContainerInspectResponse(TypedDict, total=False):
    """``GET /containers/{id}/json``: what ``Container.attrs`` holds after ``get()`` or
    ``reload()``."""

    Id: str
    Created: str
    Path: str
    Args: list[str] | None
    State: ContainerState
    Image: str
    """The image id (``sha256:...``); ``Config.Image`` is the name it was created from."""
    ResolvConfPath: str
    HostnamePath: str
    HostsPath: str
    LogPath: str
    Name: str
    """The name with a leading ``/``."""
    RestartCount: int
    Driver: str
    Platform: str
    MountLabel: str
    ProcessLabel: str
    AppArmorProfile: str
    ExecIDs: list[str] | None
    HostConfig: HostConfig
    GraphDriver: GraphDriverData
    SizeRw: int
    """Only with ``size=True``."""
    SizeRootFs: int
    """Only with ``size=True``."""
    Mounts: list[MountPoint]
    Config: ContainerConfig
    NetworkSettings: NetworkSettings
    ImageManifestDescriptor: OCIDescriptor | None
    """API 1.48: the platform manifest of the image it was created from."""
    Storage: dict[str, Any] | None
    """API 1.52: where the root filesystem is stored."""


# --- containers: list, wait, stats -------------------------------------------------------


class Port(TypedDict, total=False):
    """An exposed port in a container list entry; ``PublicPort`` only when published."""

    IP: str
    PrivatePort: int
    PublicPort: int
    Type: str


class ContainerHostConfigSummary(TypedDict, total=False):
    """``HostConfig`` of a container list entry."""

    NetworkMode: str
    Annotations: dict[str, str] | None


class ContainerNetworkSettingsSummary(TypedDict, total=False):
    """``NetworkSettings`` of a container list entry."""

    Networks: dict[str, EndpointSettings] | None


class ContainerSummaryHealth(TypedDict, total=False):
    """``Health`` of a container list entry."""

    Status: str
    FailingStreak: int


class ContainerSummary(TypedDict, total=False):
    """One entry of ``GET /containers/json``: what ``Container.attrs`` holds for handles
    from ``docker.containers.list(sparse=True)``."""

    Id: str
    Names: list[str]
    Image: str
    ImageID: str
    Command: str
    Created: int
    """Seconds since the epoch."""
    Ports: list[Port]
    SizeRw: int
    SizeRootFs: int
    Labels: dict[str, str] | None
    State: str
    Status: str
    """Human-readable, e.g. ``"Up 3 minutes (healthy)"``."""
    HostConfig: ContainerHostConfigSummary
    NetworkSettings: ContainerNetworkSettingsSummary
    Mounts: list[MountPoint]
    Health: ContainerSummaryHealth | None
    """API 1.52."""
    ImageManifestDescriptor: OCIDescriptor | None
    # Podman only (always empty or false there):
    Name: str
    Config: dict[str, Any] | None
    NetworkingConfig: dict[str, Any] | None
    Platform: str | None
    AdjustCPUShares: bool
    DefaultReadOnlyNonRecursive: bool | None


class ContainerWaitExitError(TypedDict, total=False):
    """Why waiting for the container failed."""

    Message: str


class ContainerWaitResponse(TypedDict, total=False):
    """``POST /containers/{id}/wait``: the exit status."""

    StatusCode: int
    Error: ContainerWaitExitError | None


class CPUUsage(TypedDict, total=False):
    """CPU time used, in nanoseconds."""

    total_usage: int
    percpu_usage: list[int] | None
    """Only with cgroup v1."""
    usage_in_kernelmode: int
    usage_in_usermode: int


class ThrottlingData(TypedDict, total=False):
    """CPU throttling of the container."""

    periods: int
    throttled_periods: int
    throttled_time: int


class CPUStats(TypedDict, total=False):
    """``cpu_stats`` and ``precpu_stats`` of a stats object."""

    cpu_usage: CPUUsage
    system_cpu_usage: int
    online_cpus: int
    throttling_data: ThrottlingData
    cpu: float
    """Podman only: its own CPU percentage (``0`` in a one-shot answer)."""


class MemoryStats(TypedDict, total=False):
    """``memory_stats`` of a stats object, in bytes (``stats`` holds the cgroup's raw
    counters, which differ between cgroup v1 and v2)."""

    usage: int
    max_usage: int
    stats: dict[str, int]
    failcnt: int
    limit: int
    commitbytes: int
    commitpeakbytes: int
    privateworkingset: int


class PidsStats(TypedDict, total=False):
    """``pids_stats`` of a stats object."""

    current: int
    limit: int


class BlkioStatEntry(TypedDict, total=False):
    """One block-device counter."""

    major: int
    minor: int
    op: str
    value: int


class BlkioStats(TypedDict, total=False):
    """``blkio_stats`` of a stats object (with cgroup v2 only the first is filled)."""

    io_service_bytes_recursive: list[BlkioStatEntry] | None
    io_serviced_recursive: list[BlkioStatEntry] | None
    io_queue_recursive: list[BlkioStatEntry] | None
    io_service_time_recursive: list[BlkioStatEntry] | None
    io_wait_time_recursive: list[BlkioStatEntry] | None
    io_merged_recursive: list[BlkioStatEntry] | None
    io_time_recursive: list[BlkioStatEntry] | None
    sectors_recursive: list[BlkioStatEntry] | None


class NetworkStats(TypedDict, total=False):
    """Counters of one network interface (``networks[name]`` of a stats object)."""

    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int
    endpoint_id: str
    instance_id: str


class StorageStats(TypedDict, total=False):
    """``storage_stats`` of a stats object (Windows only)."""

    read_count_normalized: int
    read_size_bytes: int
    write_count_normalized: int
    write_size_bytes: int


class ContainerStats(TypedDict, total=False):
    """One object of ``GET /containers/{id}/stats``. CPU percentage is the change of
    ``cpu_usage.total_usage`` over the change of ``system_cpu_usage`` between
    ``precpu_stats`` and ``cpu_stats``, times ``online_cpus``."""

    id: str
    name: str
    os_type: str
    read: str
    preread: str
    cpu_stats: CPUStats
    precpu_stats: CPUStats
    memory_stats: MemoryStats
    networks: dict[str, NetworkStats]
    """Absent for containers without a network interface (``network_mode="none"``)."""
    pids_stats: PidsStats
    blkio_stats: BlkioStats
    num_procs: int
    storage_stats: StorageStats
    Id: str
    """Podman only (``id`` is filled in from it)."""


# --- images --------------------------------------------------------------------------------


class ImageRootFS(TypedDict, total=False):
    """``RootFS`` of the image inspect data: its layers' digests."""

    Type: str
    Layers: list[str]


class ImageMetadata(TypedDict, total=False):
    """``Metadata`` of the image inspect data."""

    LastTagTime: str | None


class ImageInspect(TypedDict, total=False):
    """``GET /images/{name}/json``: what ``Image.attrs`` holds."""

    Id: str
    RepoTags: list[str] | None
    RepoDigests: list[str] | None
    Parent: str
    Comment: str
    Created: str
    Container: str
    ContainerConfig: ContainerConfig
    DockerVersion: str
    Author: str
    Config: ImageConfig
    Architecture: str
    Variant: str | None
    Os: str
    OsVersion: str | None
    Size: int
    VirtualSize: int
    GraphDriver: GraphDriverData
    RootFS: ImageRootFS
    Metadata: ImageMetadata
    Descriptor: OCIDescriptor | None
    """API 1.48, with the containerd image store."""
    Manifests: list[dict[str, Any]] | None
    """API 1.48, with ``manifests=True``: the image index's manifests."""
    Identity: dict[str, Any] | None
    """API 1.53: trusted identity and origin of the image."""


class ImageSummary(TypedDict, total=False):
    """One entry of ``GET /images/json``."""

    Id: str
    ParentId: str
    RepoTags: list[str] | None
    RepoDigests: list[str] | None
    Created: int
    """Seconds since the epoch."""
    Size: int
    SharedSize: int
    """``-1`` unless computed."""
    VirtualSize: int
    Labels: dict[str, str] | None
    Containers: int
    """``-1`` unless computed."""
    Descriptor: OCIDescriptor | None
    Manifests: list[dict[str, Any]] | None
    """API 1.47, with ``images.list(manifests=True)``."""
    # Podman only:
    Names: list[str] | None
    """Every name of the image, fully qualified."""
    Digest: str
    History: list[str] | None
    """Names the image has had."""
    Dangling: bool | None


# --- networks and volumes ------------------------------------------------------------------


class IPAMConfig(TypedDict, total=False):
    """One address pool of a network's IPAM configuration."""

    Subnet: str
    IPRange: str
    Gateway: str
    AuxiliaryAddresses: dict[str, str] | None


class IPAM(TypedDict, total=False):
    """``IPAM`` of the network inspect data."""

    Driver: str
    Config: list[IPAMConfig] | None
    Options: dict[str, str] | None


class NetworkConfigReference(TypedDict, total=False):
    """``ConfigFrom``: the config-only network this one takes its configuration from."""

    Network: str


class NetworkContainer(TypedDict, total=False):
    """A container's endpoint as the network inspect data lists it."""

    Name: str
    EndpointID: str
    MacAddress: str
    IPv4Address: str
    IPv6Address: str


class PeerInfo(TypedDict, total=False):
    """A swarm node sharing an overlay network."""

    Name: str
    IP: str


class Network(TypedDict, total=False):
    """``GET /networks/{id}``: what ``Network.attrs`` holds."""

    Name: str
    Id: str
    Created: str
    Scope: str
    Driver: str
    EnableIPv4: bool
    """API 1.48."""
    EnableIPv6: bool
    IPAM: IPAM
    Internal: bool
    Attachable: bool
    Ingress: bool
    ConfigFrom: NetworkConfigReference
    ConfigOnly: bool
    Containers: dict[str, NetworkContainer] | None
    """Only in inspect data, not in list entries."""
    Options: dict[str, str] | None
    Labels: dict[str, str] | None
    Peers: list[PeerInfo] | None
    Services: dict[str, Any] | None
    """Swarm-scoped networks on a manager."""
    Status: dict[str, Any] | None
    """API 1.52: IPAM allocation statistics."""


class VolumeUsageData(TypedDict, total=False):
    """Disk usage of a volume (``docker.df()`` only); ``-1`` when unknown."""

    Size: int
    RefCount: int


class Volume(TypedDict, total=False):
    """``GET /volumes/{name}``: what ``Volume.attrs`` holds."""

    Name: str
    Driver: str
    Mountpoint: str
    CreatedAt: str
    Status: dict[str, Any] | None
    Labels: dict[str, str] | None
    Scope: str
    Options: dict[str, str] | None
    UsageData: VolumeUsageData | None
    ClusterVolume: dict[str, Any] | None
    """Swarm cluster volumes (CSI) only."""


# --- exec ----------------------------------------------------------------------------------


class ExecProcessConfig(TypedDict, total=False):
    """``ProcessConfig`` of the exec inspect data."""

    privileged: bool
    user: str
    tty: bool
    entrypoint: str
    arguments: list[str] | None


class ExecInspectResponse(TypedDict, total=False):
    """``GET /exec/{id}/json``."""

    CanRemove: bool
    DetachKeys: str
    ID: str
    Running: bool
    ExitCode: int | None
    """``None`` until the process has run."""
    ProcessConfig: ExecProcessConfig
    OpenStdin: bool
    OpenStderr: bool
    OpenStdout: bool
    ContainerID: str
    Pid: int


# --- system --------------------------------------------------------------------------------


class SystemPlatform(TypedDict, total=False):
    """``Platform`` of the version data."""

    Name: str


class ComponentVersion(TypedDict, total=False):
    """One component of the engine (``Engine``, ``containerd``, ``runc``, ...)."""

    Name: str
    Version: str
    Details: dict[str, Any] | None


class SystemVersion(TypedDict, total=False):
    """``GET /version``."""

    Platform: SystemPlatform
    Components: list[ComponentVersion]
    Version: str
    ApiVersion: str
    MinAPIVersion: str
    GitCommit: str
    GoVersion: str
    Os: str
    Arch: str
    KernelVersion: str
    Experimental: bool
    BuildTime: str


class PluginsInfo(TypedDict, total=False):
    """``Plugins`` of the system info: the plugins available by type."""

    Volume: list[str] | None
    Network: list[str] | None
    Authorization: list[str] | None
    Log: list[str] | None


class IndexInfo(TypedDict, total=False):
    """A registry as the daemon is configured for it."""

    Name: str
    Mirrors: list[str] | None
    Secure: bool
    Official: bool


class RegistryServiceConfig(TypedDict, total=False):
    """``RegistryConfig`` of the system info."""

    AllowNondistributableArtifactsCIDRs: list[str] | None
    AllowNondistributableArtifactsHostnames: list[str] | None
    InsecureRegistryCIDRs: list[str] | None
    IndexConfigs: dict[str, IndexInfo] | None
    Mirrors: list[str] | None


class Runtime(TypedDict, total=False):
    """An OCI runtime the daemon can use."""

    path: str
    runtimeArgs: list[str] | None
    status: dict[str, str] | None
    """API 1.44."""


class PeerNode(TypedDict, total=False):
    """A swarm manager."""

    NodeID: str
    Addr: str


class SwarmInfo(TypedDict, total=False):
    """``Swarm`` of the system info."""

    NodeID: str
    NodeAddr: str
    LocalNodeState: str
    """``""``, ``"inactive"``, ``"pending"``, ``"active"``, ``"error"`` or ``"locked"``."""
    ControlAvailable: bool
    Error: str
    RemoteManagers: list[PeerNode] | None
    Nodes: int | None
    Managers: int | None
    Cluster: dict[str, Any] | None
    """The swarm's details (managers only)."""


class Commit(TypedDict, total=False):
    """The commit of a component the daemon runs, and the one it expects."""

    ID: str
    Expected: str


class AddressPool(TypedDict, total=False):
    """A pool local networks take their subnets from."""

    Base: str
    Size: int


class SystemInfo(TypedDict, total=False):
    """``GET /info``."""

    ID: str
    Containers: int
    ContainersRunning: int
    ContainersPaused: int
    ContainersStopped: int
    Images: int
    Driver: str
    DriverStatus: list[list[str]] | None
    DockerRootDir: str
    Plugins: PluginsInfo
    MemoryLimit: bool
    SwapLimit: bool
    KernelMemory: bool
    KernelMemoryTCP: bool
    CpuCfsPeriod: bool
    CpuCfsQuota: bool
    CPUShares: bool
    CPUSet: bool
    PidsLimit: bool
    OomKillDisable: bool
    IPv4Forwarding: bool
    BridgeNfIptables: bool
    BridgeNfIp6tables: bool
    Debug: bool
    NFd: int
    NGoroutines: int
    SystemTime: str
    LoggingDriver: str
    CgroupDriver: str
    CgroupVersion: str
    NEventsListener: int
    KernelVersion: str
    OperatingSystem: str
    OSVersion: str
    OSType: str
    Architecture: str
    NCPU: int
    MemTotal: int
    IndexServerAddress: str
    RegistryConfig: RegistryServiceConfig | None
    GenericResources: list[dict[str, Any]] | None
    HttpProxy: str
    HttpsProxy: str
    NoProxy: str
    Name: str
    Labels: list[str] | None
    ExperimentalBuild: bool
    ServerVersion: str
    ClusterStore: str
    ClusterAdvertise: str
    Runtimes: dict[str, Runtime] | None
    DefaultRuntime: str
    Swarm: SwarmInfo
    LiveRestoreEnabled: bool
    Isolation: str
    InitBinary: str
    ContainerdCommit: Commit
    RuncCommit: Commit
    InitCommit: Commit
    SecurityOptions: list[str] | None
    ProductLicense: str
    DefaultAddressPools: list[AddressPool] | None
    Warnings: list[str] | None
    CDISpecDirs: list[str] | None
    """API 1.44."""
    Containerd: dict[str, Any] | None
    """API 1.46: the containerd socket and namespaces the daemon uses."""
    FirewallBackend: dict[str, Any] | None
    """API 1.49."""
    DiscoveredDevices: list[dict[str, Any]] | None
    """API 1.50."""
    NRI: dict[str, Any] | None
    """API 1.53."""
    # Podman only:
    BuildahVersion: str
    Rootless: bool
    SwapFree: int
    SwapTotal: int
    Uptime: str
    CPURealtimePeriod: bool
    CPURealtimeRuntime: bool


# --- events --------------------------------------------------------------------------------


class EventActor(TypedDict, total=False):
    """The object an event is about."""

    ID: str
    Attributes: dict[str, str] | None


# The functional form: ``from`` is a keyword.
EventMessage = TypedDict(
    "EventMessage",
    {
        "Type": str,
        "Action": str,
        "Actor": EventActor,
        "scope": str,
        "time": int,
        "timeNano": int,
        "status": str,
        "id": str,
        "from": str,
    },
    total=False,
)
"""One raw object of ``GET /events`` (``docker.events()`` wraps it in an
:class:`~aiodock.events.Event`). ``status``, ``id`` and ``from`` are the deprecated
pre-1.22 fields the daemon still sends for container events; the specification no longer
lists them."""
