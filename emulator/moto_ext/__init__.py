"""The local AWS behind emulator/launcher.py: moto 5.2.1 with what the rotation tests need and moto lacks.

Importing the package imports no moto module: launcher.py checks moto's version (preflight) before anything that
patches moto is loaded. The modules:
- preflight: the checks before start (moto's exact version, node on PATH) and the failure exit;
- server: starts moto's server with the middleware in front and the patches installed, until told to stop;
- middleware: the WSGI layer in front of moto (control API, call log, fault injection, one request at a time);
- control: the JSON control API under /_harness/;
- faults, recorder: injected faults; the call and invocation logs;
- lock: MotoLock, one request at a time inside moto;
- state: what request threads and control calls share;
- identities: the admin user, role credentials, who signed a request, IAM signature checks on;
- bridge, node_processes: the Lambda bridge (nodejs* functions run in Node), and how its Node processes run;
- patches/: one module per correction or addition to moto (each docstring says which and why).
"""
