using SelfPlayBN.Trainer;
using SelfPlayBN.TorchRuntime;

int code = Cli.Run(args, Console.Out, Console.Error);
Serilog.Log.CloseAndFlush();
// Every command has stopped its threads and closed its files by now; after a CUDA run the process ends without native
// teardown (see TorchBootstrap.Exit).
return TorchBootstrap.Exit(code);
